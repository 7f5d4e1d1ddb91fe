"""A fake `gh` for the workflow scripts' tests: `gh api`, `gh run list`, `gh run download` (by
--name or --pattern) and `gh variable get|set` answered from a JSON state file.

The state (FAKE_GH_STATE) holds one repository's pull requests (listed, opened, updated),
reviews, comments, issues, labels, workflow runs (each with its artifacts: a name and the folder
holding its files) and variables; every call is appended to its "calls", and writes change it,
so a test can run a script twice and see the second run find what the first posted. List
endpoints are paged like GitHub's (``page_size`` items a page): without --paginate only the first
page comes back, with --paginate the pages come back to back (as the real gh prints them) or,
with --slurp, as one array of pages.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

BOT = "github-actions[bot]"


class ApiError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(f"gh: {reason} (HTTP {status})")


def main(argv: list[str]) -> int:
    state_path = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(state_path.read_text(encoding="utf-8"))
    if argv[:2] in (["run", "list"], ["run", "download"], ["variable", "get"], ["variable", "set"]):
        try:
            return _command(state, argv)
        except ApiError as exc:
            print(exc, file=sys.stderr)
            return 1
        finally:
            state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    if argv[:1] != ["api"]:
        print(f"fake gh: unsupported command: gh {' '.join(argv)}", file=sys.stderr)
        return 2
    request = _parse(argv[1:])
    state["calls"].append(request)
    try:
        answer = _route(state, request)
    except ApiError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    _print(answer, state["page_size"], request)
    return 0


def _command(state: dict, argv: list[str]) -> int:
    """gh run list|download, gh variable get|set: the options the scripts use, no others."""
    command, options, words = argv[:2], {}, []
    args = iter(argv[2:])
    for word in args:
        if word in (
            "--repo",
            "-R",
            "--workflow",
            "--commit",
            "--event",
            "--json",
            "--limit",
            "--name",
            "--pattern",
            "--dir",
            "--body",
        ):
            options[word] = next(args)
        elif word.startswith("-"):
            raise SystemExit(f"fake gh: unsupported option {word}")
        else:
            words.append(word)
    if options.get("--repo", options.get("-R")) != state["repo"]:
        raise SystemExit(f"fake gh: {' '.join(command)} without --repo {state['repo']}")
    state["calls"].append({"method": " ".join(command), "endpoint": " ".join(words), **options})
    match command:
        case ["run", "list"]:
            for run in state["runs"]:  # a run whose status changes from one list to the next
                if run.get("statuses"):
                    run["status"] = run["statuses"].pop(0)
            runs = [
                run
                for run in reversed(state["runs"])  # newest first, as gh lists them
                if options.get("--workflow") in (None, run["workflow"])
                and options.get("--commit") in (None, run["headSha"])
                and options.get("--event") in (None, run["event"])
            ][: int(options.get("--limit", 20))]
            fields = options["--json"].split(",")
            print(json.dumps([{key: run[key] for key in fields} for run in runs]))
        case ["run", "download"]:
            [run_id] = words
            run = next((r for r in state["runs"] if str(r["databaseId"]) == run_id), None)
            artifacts = _found(run)["artifacts"]
            if "--pattern" in options:  # each artifact whose name matches into DIR/NAME/
                found = {n: f for n, f in artifacts.items() if fnmatch(n, options["--pattern"])}
                places = {f: Path(options.get("--dir", ".")) / n for n, f in found.items()}
            else:
                folder = artifacts.get(options["--name"])
                places = {} if folder is None else {folder: Path(options.get("--dir", "."))}
            if not places:
                raise ApiError(404, "no valid artifacts found to download")
            for folder, place in places.items():
                shutil.copytree(folder, place, dirs_exist_ok=True)
        case ["variable", "get"]:
            [name] = words
            if name not in state["variables"]:
                raise ApiError(404, f"variable {name} was not found")
            print(state["variables"][name])
        case ["variable", "set"]:
            [name] = words
            state["variables"][name] = options["--body"]
    return 0


def _parse(args: list[str]) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "GET", "paginate": False, "slurp": False, "body": None}
    fields: dict[str, str] = {}
    words = iter(args)
    for word in words:
        if word in ("-X", "--method"):
            request["method"] = next(words).upper()
        elif word == "--paginate":
            request["paginate"] = True
        elif word == "--slurp":
            request["slurp"] = True
        elif word == "--input":
            source = next(words)
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            request["body"] = json.loads(text)
        elif word in ("-f", "--raw-field", "-F", "--field"):
            key, _, value = next(words).partition("=")
            fields[key] = value
        elif word.startswith("-"):
            raise SystemExit(f"fake gh: unsupported option {word}")
        else:
            request["endpoint"] = word.lstrip("/")
    if fields:
        request["body"] = {**(request["body"] or {}), **fields}
    return request


def _route(state: dict, request: dict) -> Any:
    path, _, query = request["endpoint"].partition("?")
    prefix = f"repos/{state['repo']}/"
    if not path.startswith(prefix):
        raise ApiError(404, "Not Found")
    parts = path.removeprefix(prefix).split("/")
    method, body = request["method"], request["body"] or {}
    match method, parts:
        case "GET", ["commits", sha, "pulls"]:
            return state["commit_pulls"].get(sha, [])
        case "GET", ["pulls"]:
            return _pulls(state, parse_qs(query))
        case "POST", ["pulls"]:
            number = _next_id(state)
            state["pulls"][str(number)] = pull = {
                "number": number,
                "title": body["title"],
                "body": body["body"],
                "state": "open",
                "head": {"ref": body["head"]},
                "base": {"ref": body["base"]},
                "user": {"login": BOT},
            }
            return pull
        case "PATCH", ["pulls", number]:
            pull = _found(state["pulls"].get(number))
            pull.update(body)
            return pull
        case "GET", ["pulls", number]:
            return _found(state["pulls"].get(number))
        case "GET", ["pulls", number, "reviews"]:
            return state["reviews"].get(number, [])
        case "GET", ["pulls", number, "commits"]:
            return state.get("commits", {}).get(number, [])
        case "GET", ["collaborators", login, "permission"]:  # everyone may write, unless set
            permission = state.get("permissions", {}).get(login, "write")
            return {"permission": permission, "user": {"login": login}}
        case "GET", ["issues", number, "comments"]:
            return state["comments"].get(number, [])
        case "POST", ["issues", number, "comments"]:
            comment = {"id": _next_id(state), "body": body["body"], "user": {"login": BOT}}
            state["comments"].setdefault(number, []).append(comment)
            return comment
        case "PATCH", ["issues", "comments", comment_id]:
            comment = _comment(state, int(comment_id))
            comment["body"] = body["body"]
            return comment
        case "DELETE", ["issues", "comments", comment_id]:
            comment = _comment(state, int(comment_id))
            for comments in state["comments"].values():
                if comment in comments:
                    comments.remove(comment)
            return None
        case "GET", ["issues"]:
            return _issues(state, parse_qs(query))
        case "POST", ["issues"]:
            number = _next_id(state)
            state["issues"][str(number)] = issue = {
                "number": number,
                "title": body["title"],
                "body": body["body"],
                "state": "open",
                "labels": [{"name": name} for name in body.get("labels", [])],
                "user": {"login": BOT},
            }
            return issue
        case "PATCH", ["issues", number]:
            issue = _found(state["issues"].get(number))
            issue.update(body)
            return issue
        case "GET", ["labels", name]:
            return _found(state["labels"].get(name))
        case "POST", ["labels"]:
            state["labels"][body["name"]] = body
            return body
    raise ApiError(404, "Not Found")


def _found(value: Any) -> Any:
    if value is None:
        raise ApiError(404, "Not Found")
    return value


def _next_id(state: dict) -> int:
    state["next_id"] += 1
    return state["next_id"]


def _comment(state: dict, comment_id: int) -> dict:
    for comments in state["comments"].values():
        for comment in comments:
            if comment["id"] == comment_id:
                return comment
    raise ApiError(404, "Not Found")


def _issues(state: dict, query: dict[str, list[str]]) -> list[dict]:
    """Issues and pull requests, as GitHub lists them: filtered by state and by every label."""
    wanted_state = query.get("state", ["open"])[0]
    labels = set(query["labels"][0].split(",")) if "labels" in query else set()
    return [
        issue
        for issue in state["issues"].values()
        if wanted_state in ("all", issue["state"])
        and labels <= {label["name"] for label in issue["labels"]}
    ]


def _pulls(state: dict, query: dict[str, list[str]]) -> list[dict]:
    """Pull requests as GitHub lists them: by state, and by head ("owner:branch")."""
    wanted_state = query.get("state", ["open"])[0]
    head = query["head"][0].partition(":")[2] if "head" in query else None
    return [
        pull
        for pull in state["pulls"].values()
        if wanted_state in ("all", pull.get("state", "open"))
        and head in (None, pull.get("head", {}).get("ref"))
    ]


def _print(answer: Any, page_size: int, request: dict) -> None:
    if answer is None:
        return
    if not isinstance(answer, list):
        print(json.dumps(answer))
        return
    pages = [answer[i : i + page_size] for i in range(0, len(answer), page_size)] or [[]]
    if not request["paginate"]:
        print(json.dumps(pages[0]))
    elif request["slurp"]:
        print(json.dumps(pages))
    else:
        print("".join(json.dumps(page) for page in pages))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
