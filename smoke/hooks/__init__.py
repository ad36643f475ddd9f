"""Entry points for running smoke inside AWS (CodeDeploy lifecycle hooks)."""
