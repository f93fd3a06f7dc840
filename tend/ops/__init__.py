"""Operations: health checks, structured logs, configuration checks, backups."""
