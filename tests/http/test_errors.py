"""``service_message`` quotes each service's own error body, whatever key it uses."""

from __future__ import annotations

import httpx

from connectors.sdk.errors import InvalidRequest, NotFound
from server.hub.http.errors import error_for_response, service_message

REQUEST = httpx.Request("POST", "https://acme.atlassian.net/rest/api/3/issue")


def _response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body, request=REQUEST)


def test_atlassian_error_collection_messages_and_field_errors_are_quoted() -> None:
    # The shape of Jira's ErrorCollection (platform v3 OpenAPI, createIssue's 400 example).
    said = service_message(
        _response(
            400,
            {
                "errorMessages": ["Field 'priority' is required"],
                "errors": {"summary": "You must specify a summary of the issue."},
            },
        )
    )
    assert said == "Field 'priority' is required; summary: You must specify a summary of the issue."


def test_atlassian_empty_parts_add_nothing() -> None:
    body = {"errorMessages": [], "errors": {"labels": "Field 'labels' cannot be set."}}
    assert service_message(_response(400, body)) == "labels: Field 'labels' cannot be set."
    assert service_message(_response(400, {"errorMessages": [], "errors": {}})) == ""


def test_the_error_names_status_path_and_jira_s_reason() -> None:
    body = {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}
    err = error_for_response(_response(404, body), service="Jira")
    assert isinstance(err, NotFound)
    assert err.message == (
        "Jira: 404 Not Found on POST /rest/api/3/issue: "
        "Issue does not exist or you do not have permission to see it."
    )
    assert isinstance(
        error_for_response(_response(400, {"errors": {"a": "b"}}), service="J"), InvalidRequest
    )


def test_github_shapes_are_unchanged() -> None:
    body = {
        "message": "Validation Failed",
        "errors": [{"message": "title is missing"}, "plain"],
        "documentation_url": "https://docs.github.com/rest",
    }
    assert service_message(_response(422, body)) == (
        "Validation Failed; title is missing; plain; see https://docs.github.com/rest"
    )


def test_html_error_pages_are_read_as_their_title_not_markup() -> None:
    # Jetty's error page, as Jenkins sends it for a POST without a valid CSRF crumb.
    page = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
        "<title>Error 403 No valid crumb was included in the request</title>\n</head>\n"
        "<body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2>\n"
        "<table><tr><th>URI:</th><td>/job/app/build</td></tr></table></body>\n</html>\n"
    )
    r = httpx.Response(403, text=page, headers={"content-type": "text/html"}, request=REQUEST)
    assert service_message(r) == "Error 403 No valid crumb was included in the request"
    bare = httpx.Response(502, text="<p>upstream &amp; down</p>", request=REQUEST)
    assert service_message(bare) == "upstream & down"
    plain = httpx.Response(500, text="plain words", request=REQUEST)
    assert service_message(plain) == "plain words"
