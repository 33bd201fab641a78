"""Demo content of the public site, from the association's public reports (facts and figures;
the prose is ours): YAML files in ``content/``, loaded by ``load()`` (idempotent, see
``cms.demo.loader``)."""

from .loader import load

__all__ = ["load"]
