"""Everything that changes Song Studio's state, one module per stage or kind of state.

Views and tasks call these keyword-only ``<thing>_<verb>`` functions; nothing else writes. The pipeline
reads one way: requests -> submit -> polling -> ingest -> copies, with drafts, uploads, teams, quotas,
library, sharing and review beside it, and ``common`` under all of them. See docs/architecture.md.
"""
