"""Batch scrubbing of stored records: files, databases, help-desk exports and Spark."""
