"""Read mkdocs.yml without MkDocs, following INHERIT: the whole config, the originals' language, and the `coachbook`
options with the file and position of each."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .branding import OptionSource
from .errors import ConfigError, display_path
from .i18n import DEFAULT_LANGUAGE
from .model.yaml_syntax import syntax_problem

PLUGIN_NAME = "coachbook"
INHERIT = "INHERIT"  # MkDocs' key naming a parent config, relative to the file that holds it


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
    """The options as written under `- coachbook:` in a config file (empty when the plugin has none), each with its
    place; `project.CoachbookOptions` validates them."""

    file: Path
    values: dict[str, object] = field(default_factory=dict)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    commented: set[str] = field(default_factory=set)
    files: dict[str, str] = field(default_factory=dict)
    """The file of each option written in a parent config (reached through INHERIT), as shown to the user."""
    site_url: object = None
    """The config's top-level `site_url` as written (`!ENV` resolved), where the site is published; None when unset.
    `project.project_of` validates it."""
    site_url_place: str = ""
    """Where `site_url` is written, `file:line:col`, for its error line."""

    @property
    def folder(self) -> Path:
        """Relative paths in the options are relative to this: the config file's folder."""
        return self.file.parent

    @property
    def source(self) -> OptionSource:
        return OptionSource(display_path(self.file), self.positions, frozenset(self.commented), files=self.files)


def configured_plugins(config: dict) -> list[tuple[str, dict | None]]:
    """The config's `plugins` entries as (name without a theme prefix such as `material/`, options)."""
    entries = config.get("plugins") or []
    items = entries.items() if isinstance(entries, dict) else (
        next(iter(e.items())) if isinstance(e, dict) else (e, None) for e in entries)
    return [(str(name).split("/")[-1], options) for name, options in items]


def read_config(path: Path) -> dict:
    """The whole config as plain data, its INHERIT parents merged in and `!ENV` resolved; `ConfigError` when unreadable."""
    root, _ = _compose(Path(path))
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError([f"{display_path(Path(path))}: must be a mapping of settings such as site_name and theme"])
    return _construct(root)


def originals_language(config: dict) -> str:
    """The language the original models are written in: Material's `theme.language`, lowercased (default en)."""
    theme = config.get("theme")  # a mapping, or MkDocs' Theme: both answer get()
    language = theme.get("language") if hasattr(theme, "get") else None
    return str(language or DEFAULT_LANGUAGE).lower()


def read_plugin_options(path: Path) -> PluginOptions:
    """The coachbook options of the config at `path` (INHERIT followed), each with the file and place it is written in."""
    path = Path(path)
    root, lines = _compose(path)
    options = PluginOptions(path)
    site_url = _mapping_value(root, "site_url")
    if site_url is not None:
        options.site_url = _construct(site_url)
        mark = site_url.start_mark
        options.site_url_place = f"{mark.name}:{mark.line + 1}:{mark.column + 1}"
    options_node = _plugin_node(root)
    if isinstance(options_node, yaml.MappingNode):
        for key_node, value_node in options_node.value:
            name = _construct(key_node)
            if not isinstance(name, str):
                continue
            options.values[name] = _construct(value_node)
            options.positions[name] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            if key_node.start_mark.name != display_path(path):
                options.files[name] = key_node.start_mark.name
            comment_column = (_comment_as_value(lines[key_node.end_mark.name], key_node)
                              if options.values[name] is None else None)
            if comment_column is not None:
                options.commented.add(name)
                options.positions[name] = (key_node.end_mark.line + 1, comment_column)
    return options


def _compose(path: Path, inheriting: tuple[Path, ...] = ()) -> tuple[yaml.Node | None, dict[str, list[str]]]:
    """The config's YAML tree with its INHERIT parents merged in as MkDocs does, and each file's lines by name.

    Every node's marks carry the name of the file it was read from, so that a position points into
    the right file.
    """
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{where}: cannot read it ({getattr(error, 'strerror', None) or error})"]) from None
    loader = _TolerantLoader(text)
    loader.name = where  # the name the marks of every node carry
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:  # in the same plain words as a model file's syntax errors
        (line, column), message = syntax_problem(error, text)
        raise ConfigError([f"{where}:{line}:{column}: YAML syntax: {message}"]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{where}: YAML: {' '.join(str(error).split())}"]) from None
    finally:
        loader.dispose()
    lines = {where: text.splitlines()}
    inherit = _mapping_value(root, INHERIT)
    if inherit is None:
        return root, lines
    place = f"{where}:{inherit.start_mark.line + 1}:{inherit.start_mark.column + 1}: {INHERIT}"
    parent = _construct(inherit)
    if not isinstance(parent, str) or not parent:
        raise ConfigError([f"{place}: must be the path of a parent config file, relative to this one (got {parent!r})"])
    parent_path = path.parent / parent  # as MkDocs resolves it: from the folder of the file that says INHERIT
    if not parent_path.is_file():
        raise ConfigError([f"{place}: no such file: {parent}"])
    inheriting = (*inheriting, path.resolve())
    if parent_path.resolve() in inheriting:
        raise ConfigError([f"{place}: {parent} inherits, directly or not, from this file"])
    parent_root, parent_lines = _compose(parent_path, inheriting)
    own = yaml.MappingNode(root.tag, [(k, v) for k, v in root.value if v is not inherit],
                           root.start_mark, root.end_mark)
    return _merged(parent_root, own), {**parent_lines, **lines}


def _merged(parent: yaml.Node | None, child: yaml.Node | None) -> yaml.Node | None:
    """MkDocs' merge of a config into its parent: mappings key by key (the child wins), anything else replaced."""
    if not (isinstance(parent, yaml.MappingNode) and isinstance(child, yaml.MappingNode)):
        return child
    child_values = {key.value: value for key, value in child.value if isinstance(key, yaml.ScalarNode)}
    pairs = [(key, _merged(value, child_values[key.value]) if isinstance(key, yaml.ScalarNode)
              and key.value in child_values else value) for key, value in parent.value]
    parent_keys = {key.value for key, _ in parent.value if isinstance(key, yaml.ScalarNode)}
    pairs += [(key, value) for key, value in child.value
              if not (isinstance(key, yaml.ScalarNode) and key.value in parent_keys)]
    # The merged key keeps the parent's node, whose mark would point into the parent: take the child's.
    child_keys = {key.value: key for key, _ in child.value if isinstance(key, yaml.ScalarNode)}
    pairs = [(child_keys.get(key.value, key) if isinstance(key, yaml.ScalarNode) else key, value) for key, value in pairs]
    return yaml.MappingNode(child.tag, pairs, child.start_mark, child.end_mark)


def _construct(node: yaml.Node) -> object:
    """A node's plain value, `!ENV` resolved and MkDocs' other tags read as plain values."""
    return _TolerantLoader("").construct_object(node, deep=True)


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
