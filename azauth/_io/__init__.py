"""The only mode-specific code: drivers that perform a flow's steps, and the sync/async credential mixins."""
