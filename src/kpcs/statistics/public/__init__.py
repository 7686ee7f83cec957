"""The public statistics: the Annual Global Summary, a participant's history, the world
trend, read from the figures in force (reported, or derived where nothing was reported)."""
