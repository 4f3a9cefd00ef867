"""postretry-gui: retry failed social-publishing destinations, never twice."""

__version__ = "0.1.0"
