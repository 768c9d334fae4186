"""Checkpoint rules without Django: import-linter keeps django out of fangkong.*.engine."""
