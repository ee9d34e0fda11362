"""qrnn: hybrid quantum-classical recurrent neural networks and the pipeline that studies them."""

__version__ = "0.1.0"
