"""Import of a Plone site exported with collective.exportimport (``manage.py import_plone``).

* ``export``: finding and streaming the export's files (content, ordering, default pages,
  redirects, blobs);
* ``html``: Plone's rich text to the site's StreamField blocks;
* ``importer``: items to pages, images, documents and redirects, one transaction per item;
* ``bulk``: the tree kept in memory and Wagtail's bookkeeping (search and reference indexes,
  history, cache) done in bulk, which make the import fast.
"""
