"""CircleCI (API v2, plus v1.1 for step output): pipelines, workflows and jobs of the
repositories a workspace opens, wherever they are hosted."""
