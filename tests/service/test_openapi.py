"""docs/openapi.yaml describes exactly the routes the server registers, with their checks:
every state-changing therapist route documents 403 (CSRF), every route with a body 413, 411 and
400 (and only those 411),
every route under a session id or a link token 404, every route under a link token 410 (revoked).

Usage: test_openapi.py SOURCE_DIR
"""
import os
import re
import sys

import yaml

source_dir = sys.argv[1]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


with open(os.path.join(source_dir, "docs", "openapi.yaml")) as f:
    spec = yaml.safe_load(f)
with open(os.path.join(source_dir, "src", "service", "server.cpp")) as f:
    server_source = f.read()

check(str(spec.get("openapi", "")).startswith("3.1"), "OpenAPI 3.1")
registered = set(re.findall(r'route\("(GET|POST|DELETE)",\s*"([^"]+)"', server_source))
# Whether the server reads a body on the route (Body::json), which is what its 411 depends on.
takes_body = {(method, path): body == "json" for method, path, body in re.findall(
    r'route\("(GET|POST|DELETE)",\s*"([^"]+)",\s*(?:R"\(.*?\)"|"[^"]*"),\s*Body::(json|none)',
    server_source)}
check(set(takes_body) == registered, "every route says whether it takes a body")
documented = {(method.upper(), path) for path, item in spec["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")}
check(len(registered) >= 12, f"the server's routes were found ({len(registered)})")
for route in sorted(registered - documented):
    failures.append(f"route not in docs/openapi.yaml: {route}")
for route in sorted(documented - registered):
    failures.append(f"documented route the server does not have: {route}")

for path, item in spec["paths"].items():
    for method, operation in item.items():
        if method not in ("get", "post", "delete"):
            continue
        codes = set(operation.get("responses", {}))
        name = f"{method.upper()} {path}"
        schemes = {key for requirement in operation.get("security", []) for key in requirement}
        if "session" in schemes:
            check("401" in codes, f"{name}: documents 401")
        if method != "get" and "session" in schemes:
            check("csrf" in schemes and "403" in codes, f"{name}: needs and documents the CSRF token")
        # 411 is the answer to a body without its length: only a route that takes a body has it.
        check(("requestBody" in operation) == takes_body.get((method.upper(), path), False),
              f"{name}: documents a body exactly when the server reads one")
        if "requestBody" in operation:
            check({"400", "411", "413", "415"} <= codes, f"{name}: documents 400, 411, 413 and 415")
        else:
            check("411" not in codes, f"{name}: takes no body, so no 411")
        if "{id}" in path or "{token}" in path:
            check("404" in codes, f"{name}: documents 404")
        if "{token}" in path:
            check("410" in codes, f"{name}: documents 410 for a revoked link")

for failure in failures:
    print("FAIL:", failure)
sys.exit(1 if failures else 0)
