"""Coachbook: coaching conversation playbooks, a site and print kits, from one YAML file per model."""

__version__ = "0.1.0"
