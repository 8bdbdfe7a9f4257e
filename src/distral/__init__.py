"""distral-repro: a reference replication of Distral (Teh et al., NeurIPS 2017)."""

__version__ = "0.1.0"
