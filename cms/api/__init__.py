"""The headless CMS API (and the ``cms_api`` app, ``apps.py``).

* ``v3``: Wagtail's API v3 at ``/api/v3/``, mounted with strict query parameters and JSON 404s;
* ``site``: what a decoupled front-end needs beside it, at ``/api/v3/site/``;
* ``preview``: signed links to preview drafts in the front-end;
* ``schemas``: how StreamFields, images and page links are shown;
* ``params``: unknown query parameters and page types are errors (400);
* ``data_inclusion``: establishments and programmes in the data·inclusion schema, at
  ``/api/data-inclusion/v1/``.

Nothing is imported here: this package is also an app, imported before the models are loaded.
"""
