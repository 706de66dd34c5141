"""``python -m bench`` (``make bench``): run every benchmark in turn, each printing its figures."""

from __future__ import annotations

import asyncio
import time

from . import (
    actions_poll,
    api,
    bitbucket_poll,
    calendar_poll,
    ci_failures,
    ci_log,
    ci_panel,
    circleci_poll,
    cli,
    diagrams,
    docs,
    docsync,
    gitlab_poll,
    jenkins_poll,
    jobs,
    jobs_postgres,
    lenses,
    lsp,
    mcp,
    oauth_verify,
    pdfnotes,
    references,
    repoll,
    snippets,
    startup,
    suite_poll,
    tasks_output,
    teamhub,
    teamlink,
    vault,
    vectors,
    web,
    webhooks,
    widgets,
)


def _section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def main() -> None:
    t0 = time.perf_counter()
    _section("jobs: durable queue")
    jobs.main([])
    _section("jobs_postgres: the queue on PostgreSQL, 1 and 4 worker processes, beside SQLite")
    jobs_postgres.main([])
    _section("lenses: reference scanner, in process")
    lenses.main()
    _section("repoll: unchanged re-poll of a 5,000-issue mirror")
    asyncio.run(repoll.main())
    _section("teamlink: requests per user per hour, polling alone vs the team hub link up")
    asyncio.run(teamlink.main())
    _section("startup: the connectors installed today vs 40 more")
    startup.main([])
    _section("lsp: what the editor sees, beside a bare pygls server, one at a time")
    lsp.main([])
    _section("ci_log: a 10 MB job log opened while hovering")
    ci_log.main([])
    _section("ci_failures: path:line errors read out of a 10 MB job log")
    ci_failures.main()
    _section("docs: hover with the standard library and two 200,000-entry docsets")
    docs.main([])
    _section("tasks_output: a workspace task printing 10 MB, streamed while hovering")
    tasks_output.main([])
    _section("actions_poll: what watching one branch costs on GitHub Actions, per hour")
    actions_poll.main([])
    _section("circleci_poll: what watching one branch costs on CircleCI, per hour")
    circleci_poll.main([])
    _section("gitlab_poll: what watching one branch costs on GitLab CI, per hour")
    gitlab_poll.main([])
    _section("jenkins_poll: what watching one branch costs on Jenkins, per hour")
    jenkins_poll.main([])
    _section("bitbucket_poll: what watching one branch costs on Bitbucket Pipelines, per hour")
    bitbucket_poll.main([])
    _section("ci_panel: a job finishing to the CI panel showing it, over stdio, at 5 s")
    ci_panel.main(["--interval", "5"])
    _section("ci_panel: the same at the default poll interval")
    ci_panel.main(["--finishes", "3", "--providers", "gitlab,jenkins"])
    _section("diagrams: PlantUML blocks drawn in the background while lenses are asked for")
    diagrams.main([])
    _section("cli: tieline prs --json as a new process, beside tieline --version")
    cli.main([])
    _section("mcp: an agent's tool call on a held tieline mcp session, beside a new process")
    mcp.main([])
    _section("snippets: search per keystroke over 10,000 snippets; completion beside the floor")
    snippets.main([])
    _section("calendar_poll: the Agenda's CalDAV refresh, idle and with one change, per hour")
    asyncio.run(calendar_poll.main())
    _section("suite_poll: Agenda, Inbox and presence on Outlook, Google and Slack, per hour")
    asyncio.run(suite_poll.main())
    _section("docsync: a 1,000-file folder synced with a drive at 20 ms a request")
    docsync.main([])
    _section("pdfnotes: a 100-page PDF with 300 highlights into a note, and its text readers")
    pdfnotes.main([])
    _section("vault: a 10,000-note Markdown vault indexed; completion, backlinks, rename")
    vault.main([])
    _section("vectors: 5,000 issues by meaning on sqlite-vec, Qdrant and Chroma")
    vectors.main([])
    _section("references: a 5,000-entry BibTeX file parsed; citekey search per keystroke")
    references.main([])
    _section("webhooks: signed deliveries through the durable queue to a loopback receiver")
    webhooks.main([])
    _section("web: the web face's start, and a signed webhook to its event on the bus")
    web.main([])
    _section("widgets: cards and badges rendered, and read from a 5,000-item mirror")
    widgets.main([])
    _section("oauth_verify: an API token checked among 10,000; a refresh over HTTP")
    oauth_verify.main([])
    _section("api: the REST API listing 1,000 mirrored issues over HTTP")
    api.main([])
    _section("teamhub: webhooks in, SSE out to 100 clients over two hub nodes")
    teamhub.main([])
    print(f"\nall benchmarks: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
