"""`twitchwatch assess`, `explain` and `knowledge` as a user meets them.

Runs every vignette of vignettes.toml through `assess --json -`, checks the output against
docs/assess-output.schema.json, and checks that each kind of bad input exits 2 with one line
naming the field. Usage: test_cli_assess.py TWITCHWATCH_EXE SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

exe, source_dir = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args, stdin=""):
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=60)


# A small validator for the keywords docs/assess-output.schema.json uses (the Debian image has no
# jsonschema module); it refuses a keyword it does not know so it cannot silently pass.
KNOWN = {"$schema", "$id", "title", "description", "$defs", "type", "required", "properties",
         "additionalProperties", "items", "enum", "minLength", "maxLength", "minItems", "minimum",
         "pattern", "$ref", "uniqueItems"}
TYPES = {"object": dict, "array": list, "string": str, "number": (int, float)}


def validate(value, schema, root, path="$"):
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"schema keyword not supported by the test: {unknown}")
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return validate(value, node, root, path)
    errors = []
    if "type" in schema and (not isinstance(value, TYPES[schema["type"]]) or isinstance(value, bool)):
        return [f"{path}: not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in enum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if len(value) > schema.get("maxLength", 1 << 30):
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(value, (int, float)) and value < schema.get("minimum", float("-inf")):
        errors.append(f"{path}: below minimum")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if schema.get("uniqueItems") and len({json.dumps(item, sort_keys=True) for item in value}) < len(value):
            errors.append(f"{path}: items repeat")
        for i, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), root, f"{path}[{i}]")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: missing")
        for key, item in value.items():
            if key in schema.get("properties", {}):
                errors += validate(item, schema["properties"][key], root, f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{path}.{key}: not in the schema")
    return errors


with open(os.path.join(source_dir, "docs/assess-output.schema.json")) as f:
    output_schema = json.load(f)
with open(os.path.join(source_dir, "tests/assess/vignettes.toml"), "rb") as f:
    vignettes = tomllib.load(f)["vignette"]

# A quarter of the vignettes through the command line (all of them run through the API in
# test_engine_vignettes.cpp), output checked against the documented schema.
for v in vignettes[::4]:
    r = run("assess", "--json", "-", stdin=json.dumps(v["checkin"]))
    if r.returncode != 0:
        failures.append(f"{v['id']}: exit {r.returncode}: {r.stderr}")
        continue
    out = json.loads(r.stdout)
    for error in validate(out, output_schema, output_schema):
        failures.append(f"{v['id']}: {error}")
    check(out["level"] == v["level"], f"{v['id']}: level {out['level']} != {v['level']}")
    causes = {c["id"] for c in out["causes"]}
    check(causes == set(v["causes"]), f"{v['id']}: causes {causes} != {set(v['causes'])}")
    if "rules" in v:
        fired = {r["rule"] for r in out["reasons"]}
        check(fired == set(v["rules"]), f"{v['id']}: rules {fired} != {set(v['rules'])}")
    if "findings" in v:
        check(set(out["findings"]) == set(v["findings"]),
              f"{v['id']}: findings {out['findings']} != {v['findings']}")

# Text output: the level first, urgent says to call emergency services, every answer has the note.
urgent = run("assess", "-", stdin='{"hours_since_massage": 1, "symptoms": {"fainted": true}}')
lines = urgent.stdout.splitlines()
check(urgent.returncode == 0 and lines[0] == "GET MEDICAL HELP NOW", f"urgent text: {lines[:2]}")
check(lines[1].startswith("Call emergency services now"), f"urgent summary: {lines[1]!r}")
check("does not replace" in urgent.stdout.replace("\n", " "), "urgent text lacks the note")
normal = run("assess", "--reasons", "-", stdin='{"hours_since_massage": 5, "twitching": {"present": true}}')
check(normal.returncode == 0 and "Why (rules that fired)" in normal.stdout, "assess --reasons")
check("does not replace" in normal.stdout.replace("\n", " "), "normal text lacks the note")

# Bad input: exit 2 and one line on stderr that names the field.
bad = {
    "invalid JSON": ('{"hours_since_massage": 3,', "check-in: invalid JSON"),
    "wrong type": ('{"hours_since_massage": "3"}', "hours_since_massage: expected a number"),
    "out of range": ('{"hours_since_massage": 3, "symptoms": {"pain_0_10": 11}}',
                     "symptoms.pain_0_10: 11 is above the maximum 10"),
    "unknown enum": ('{"hours_since_massage": 3, "massage": {"pressure": "hard"}}',
                     "massage.pressure:"),
    "unknown field": ('{"hours_since_massage": 3, "twitching": {"colour": "red"}}',
                      "twitching.colour: unknown field"),
    "missing hours": ('{"twitching": {"present": true}}', "hours_since_massage: missing"),
    "empty": ("", "check-in: empty"),
    "huge": ('{"hours_since_massage": 3}' + " " * (1024 * 1024), "check-in: larger than 1 MiB"),
}
for name, (text, expected) in bad.items():
    r = run("assess", "--json", "-", stdin=text)
    err = r.stderr.strip()
    check(r.returncode == 2, f"{name}: exit {r.returncode}, expected 2")
    check(r.stdout == "", f"{name}: printed an answer")
    check(len(err.splitlines()) == 1 and expected in err, f"{name}: stderr {err[:200]!r}")
# A stream is read only up to the limit: its size is not known, and no number is given (it was
# the limit plus one, 1048577 bytes, whatever the size).
r = run("assess", "-", stdin=bad["huge"][0])
check("bytes" not in r.stderr, f"a huge stream has no size: {r.stderr!r}")

with tempfile.TemporaryDirectory() as tmp:
    # A file's size is known: it is the one said.
    big = os.path.join(tmp, "big.json")
    with open(big, "w") as f:
        f.write('{"hours_since_massage": 3}' + " " * 1048586)
    r = run("assess", big)
    check(r.returncode == 2 and r.stderr.strip() == f"twitchwatch: {big}: check-in: larger than 1 MiB "
          "(1048612 bytes)", f"a huge file's size: {r.stderr!r}")
    r = run("assess", os.path.join(tmp, "missing.json"))
    check(r.returncode == 2 and "missing.json" in r.stderr, f"missing file: {r.returncode} {r.stderr}")
    r = run("assess", tmp)
    check(r.returncode == 2 and "is a directory" in r.stderr, f"a directory: {r.returncode} {r.stderr}")
    not_json = os.path.join(tmp, "notes.txt")
    with open(not_json, "w") as f:
        f.write("twitching since Tuesday\n")
    r = run("assess", not_json)
    check(r.returncode == 2 and r.stderr.count("notes.txt: check-in: invalid JSON") == 1,
          f"a file that is not JSON is named: {r.returncode} {r.stderr}")
    r = run("assess")
    check(r.returncode == 2, f"assess without input exits 2, got {r.returncode}")

    # A broken knowledge base: exit 2, the file, the entry and the problem.
    broken = os.path.join(tmp, "knowledge")
    shutil.copytree(os.path.join(source_dir, "knowledge"), broken)
    path = os.path.join(broken, "rules.toml")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace('level = "see_doctor"', 'level = "doctor"', 1))
    r = run("assess", "--knowledge", broken, "-", stdin='{"hours_since_massage": 1}')
    check(r.returncode == 2 and "rules.toml" in r.stderr and "rule 'see_doctor.weakness'" in r.stderr
          and "not one of" in r.stderr, f"broken knowledge: {r.returncode} {r.stderr!r}")

# Interactive: one question at a time, Enter skips, a bad answer is asked again.
answers = "\n".join(["", "100", "yes", "maybe", "yes"]) + "\n"
r = run("assess", "--interactive", "--json", stdin=answers)
check(r.returncode == 0, f"interactive exit {r.returncode}: {r.stderr[-300:]}")
if r.returncode == 0:
    out = json.loads(r.stdout)
    check(out["level"] == "see_doctor", f"interactive level {out['level']}")
    check("please answer yes or no" in r.stderr, "interactive did not ask again after 'maybe'")
r = run("assess", "--interactive", stdin="")
check(r.returncode == 2 and "hours_since_massage" in r.stderr, f"interactive without hours: {r.stderr}")

# explain and knowledge.
r = run("explain")
check(r.returncode == 0 and "how_long" in r.stdout and "red_flags" in r.stdout, "explain lists topics")
r = run("explain", "is_it_always_good")
check(r.returncode == 0 and "Source:" in r.stdout, "explain is_it_always_good")
# Every rule has a title of its own (it was "Rule (urgent)" for five of them), the one its
# explanation is printed under.
r = run("explain", "--json")
with open(os.path.join(source_dir, "knowledge", "rules.toml"), "rb") as f:
    rule_ids = [rule["id"] for rule in tomllib.load(f)["rule"]]
if r.returncode == 0:
    titles = {e["id"]: e["title"] for e in json.loads(r.stdout) if e["group"] == "Rules"}
    check(sorted(titles) == sorted(rule_ids), f"explain lists every rule: {sorted(titles)}")
    check(len(set(titles.values())) == len(titles), f"rule titles are told apart: {titles}")
    fainted = run("explain", "urgent.fainted")
    check(fainted.returncode == 0 and fainted.stdout.splitlines()[0] == titles.get("urgent.fainted")
          and "faint" in fainted.stdout.splitlines()[0], f"explain urgent.fainted: {fainted.stdout[:200]!r}")
else:
    check(False, f"explain --json exits {r.returncode}")
r = run("explain", "no_such_topic")
check(r.returncode == 2, f"explain unknown topic exits 2, got {r.returncode}")
r = run("knowledge", "--json")
check(r.returncode == 0, "knowledge --json")
if r.returncode == 0:
    kb = json.loads(r.stdout)
    check(kb["version"] and len(kb["rules"]["rule"]) >= 22, "knowledge --json has version and rules")

for f in failures:
    print("FAIL:", f)
print(f"{len(vignettes[::4])} vignettes, {len(bad)} bad inputs checked")
sys.exit(1 if failures else 0)
