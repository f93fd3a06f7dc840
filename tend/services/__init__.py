"""Domain rules with no request globals: functions take the database session and ``now``."""
