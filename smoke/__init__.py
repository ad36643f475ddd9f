"""smoke: post-deploy smoke tests for AWS Lambda functions."""

__version__ = "0.1.0"
