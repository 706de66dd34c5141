"""CI across providers: pipelines of the watched branches, their logs and their failures.

Service-neutral: everything here reads :mod:`connectors.sdk.ci` models through the
``Pipelines`` and ``PipelineControl`` capabilities, whichever connector gave them.
"""
