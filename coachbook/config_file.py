"""Read the `coachbook` plugin's options from mkdocs.yml without MkDocs, with each option's position."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .branding import OptionSource
from .errors import ConfigError, display_path

PLUGIN_NAME = "coachbook"


class _TolerantLoader(yaml.SafeLoader):
    """A SafeLoader that accepts MkDocs' tags: `!ENV` is resolved, any other tag gives its plain value.

    mkdocs.yml often carries `!ENV`, `!relative` or `!!python/name:` tags that only MkDocs can
    construct; none of them may stop `build_kits.py` from reading the coachbook options.
    """


def _plain(loader: _TolerantLoader, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _environment_variable(loader: _TolerantLoader, node: yaml.Node) -> object:
    """MkDocs' `!ENV NAME` or `!ENV [NAME, OTHER, default]`: the first variable set, else the default."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = [loader.construct_object(item, deep=True) for item in node.value]
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    for name in names:
        if isinstance(name, str) and name in os.environ:
            return yaml.load(os.environ[name], Loader=yaml.SafeLoader) if os.environ[name] else ""
    return default


def _any_tag(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> object:
    return _plain(loader, node)


_TolerantLoader.add_constructor("!ENV", _environment_variable)
_TolerantLoader.add_multi_constructor("!", _any_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


@dataclass
class PluginOptions:
    """The options written under `- coachbook:` in a config file (empty when the plugin has none)."""

    file: Path
    values: dict[str, object] = field(default_factory=dict)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    commented: set[str] = field(default_factory=set)
    site_url: str | None = None
    """The config's top-level `site_url` (`!ENV` resolved), where the site is published; None when unset."""

    @property
    def folder(self) -> Path:
        """Relative paths in the options are relative to this: the config file's folder."""
        return self.file.parent

    @property
    def source(self) -> OptionSource:
        return OptionSource(display_path(self.file), self.positions, frozenset(self.commented))

    def configured_models_dirs(self) -> list[str] | None:
        """models_dir as written (one folder or a list); None when not set."""
        value = self.values.get("models_dir")
        if value is None:
            return None
        folders = [value] if isinstance(value, str) else value
        if not isinstance(folders, list) or not folders or not all(isinstance(f, str) and f for f in folders):
            raise ConfigError([f"{self.source.where('models_dir')}: must be a folder or a list of folders (got {value!r})"])
        return folders

    def models_dirs(self) -> list[Path] | None:
        """The configured model folders, resolved against the config file's folder; None when not set."""
        folders = self.configured_models_dirs()
        return None if folders is None else [self.folder / folder for folder in folders]


def existing_model_folders(configured: list[str], base: Path, source: OptionSource) -> list[Path]:
    """The configured model folders, relative to `base`; `ConfigError` names, as written, any that does not exist."""
    missing = [folder for folder in configured if not (base / folder).is_dir()]
    if missing:
        raise ConfigError([f"{source.where('models_dir')}: no such folder: {', '.join(missing)}"])
    return [base / folder for folder in configured]


def read_config(path: Path) -> dict:
    """The whole config file as plain data, `!ENV` resolved; `ConfigError` when it is not a readable YAML mapping."""
    where = display_path(Path(path))
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_TolerantLoader)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{where}: cannot read it ({getattr(error, 'strerror', None) or error})"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        raise ConfigError([f"{place}: not valid YAML ({getattr(error, 'problem', None) or error})"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{where}: must be a mapping of settings such as site_name and theme"])
    return data


def read_plugin_options(path: Path) -> PluginOptions:
    """The coachbook options of the config file at `path`; `ConfigError` when it is not readable YAML."""
    path = Path(path)
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{where}: cannot read it ({getattr(error, 'strerror', None) or error})"]) from None
    loader = _TolerantLoader(text)
    try:
        root = loader.get_single_node()
        options = PluginOptions(path)
        site_url = _mapping_value(root, "site_url")
        site_url = loader.construct_object(site_url, deep=True) if site_url is not None else None
        options.site_url = site_url if isinstance(site_url, str) and site_url else None
        options_node = _plugin_node(root)
        if isinstance(options_node, yaml.MappingNode):
            lines = text.splitlines()
            for key_node, value_node in options_node.value:
                name = loader.construct_object(key_node, deep=True)
                if not isinstance(name, str):
                    continue
                options.values[name] = loader.construct_object(value_node, deep=True)
                options.positions[name] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
                comment_column = _comment_as_value(lines, key_node) if options.values[name] is None else None
                if comment_column is not None:
                    options.commented.add(name)
                    options.positions[name] = (key_node.end_mark.line + 1, comment_column)
        return options
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        raise ConfigError([f"{place}: not valid YAML ({error.problem or error.context})"]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{where}: not valid YAML ({error})"]) from None
    finally:
        loader.dispose()


def _plugin_node(root: yaml.Node | None) -> yaml.Node | None:
    """The node holding the coachbook options, in a `plugins:` list or mapping."""
    plugins = _mapping_value(root, "plugins")
    if isinstance(plugins, yaml.MappingNode):
        return _mapping_value(plugins, PLUGIN_NAME)
    if isinstance(plugins, yaml.SequenceNode):
        for item in plugins.value:
            if isinstance(item, yaml.MappingNode) and _mapping_value(item, PLUGIN_NAME) is not None:
                return _mapping_value(item, PLUGIN_NAME)
    return None


def _mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _comment_as_value(lines: list[str], key_node: yaml.Node) -> int | None:
    """For `primary_color: #1a5fb4`, whose value YAML reads as a comment (leaving null): the column of the #."""
    line = lines[key_node.end_mark.line] if key_node.end_mark.line < len(lines) else ""
    match = re.compile(r"\s*:\s+#").match(line, key_node.end_mark.column)
    return match.end() if match else None
