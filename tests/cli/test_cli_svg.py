"""`course --svg` and `detect --svg`: the real binary's charts, parsed as XML and checked against
its own `--json` answer. Run as `test_cli_svg.py /path/to/twitchwatch`."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

EXE = None
NS = "{http://www.w3.org/2000/svg}"


def run(*args, cwd=None):
    return subprocess.run([EXE, *args], capture_output=True, timeout=120, cwd=cwd)


def classes(element):
    return (element.get("class") or "").split()


def find(root, tag, cls):
    return [e for e in root.iter(NS + tag) if cls in classes(e)]


def texts(root, cls):
    return ["".join(e.itertext()) for e in find(root, "text", cls)]


def tick_xs(path):
    """The x of every "M x y v-h" mark of an event path."""
    return [float(x) for x in re.findall(r"M(-?[\d.]+) ", path.get("d"))]


class CourseChart(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.svg = os.path.join(self.tmp.name, "course.svg")

    def tearDown(self):
        self.tmp.cleanup()

    def chart(self, *args):
        plain = run("course", *args)
        r = run("course", *args, "--svg", self.svg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, plain.stdout, "the report is printed as without --svg")
        fit = json.loads(run("course", *args, "--json").stdout)
        return ET.parse(self.svg).getroot(), fit

    def test_decline(self):
        hours = [30, 2, 12, 48, 24, 36]  # not in time order: the points keep theirs
        points = [a for h in hours for a in ("--point", f"{h}:{32 * 0.5 ** (h / 20):.3f}")]
        root, fit = self.chart("--baseline", "0", *points)
        self.assertTrue(fit["decline"])
        dots = [d for g in find(root, "g", "points") for d in g.iter(NS + "circle")]
        self.assertEqual(len(dots), len(hours))
        xs = [float(d.get("cx")) for d in dots]
        self.assertEqual(sorted(range(len(xs)), key=xs.__getitem__),
                         sorted(range(len(hours)), key=hours.__getitem__))
        ys = [float(d.get("cy")) for d in dots]  # a falling rate: later points lower down
        self.assertEqual(sorted(range(len(ys)), key=ys.__getitem__),
                         sorted(range(len(hours)), key=hours.__getitem__))
        self.assertIn("point 30:", "".join(dots[0].itertext()))
        plot = find(root, "g", "plot")[0]
        self.assertEqual(len(find(plot, "polyline", "fitted")), 1)
        self.assertEqual(len(find(plot, "polygon", "band")), 1)
        self.assertEqual(len(find(plot, "line", "back")), 1)
        baseline = find(plot, "line", "baseline")
        self.assertEqual(len(baseline), 1)
        # The baseline (0 here) is drawn at the axis's 0 tick.
        zero = [e for e in find(root, "text", "tick") if e.text == "0" and e.get("text-anchor") == "end"]
        self.assertAlmostEqual(float(baseline[0].get("y1")), float(zero[0].get("y")) - 4, delta=0.2)
        self.assertEqual(" ".join(texts(root, "verdict")), fit["verdict"])
        self.assertTrue(any("hours since the massage" in t or "days since the massage" in t
                            for t in texts(root, "name")))
        self.assertIn("twitches per minute", texts(root, "name"))

    def test_no_decline_says_so(self):
        root, fit = self.chart("--point", "2:3", "--point", "12:5", "--point", "24:4")
        self.assertTrue(fit["fitted"])
        self.assertFalse(fit["decline"])
        verdict = " ".join(texts(root, "verdict"))
        self.assertEqual(verdict, fit["verdict"])
        self.assertIn("do not show a clear decline", verdict)
        plot = find(root, "g", "plot")[0]
        self.assertEqual(find(plot, "polygon", "band"), [])
        self.assertEqual(find(plot, "line", "back"), [])
        self.assertEqual(len(find(plot, "polyline", "fitted")), 1)

    def test_not_fitted(self):
        root, fit = self.chart("--point", "2:3", "--point", "12:5")
        self.assertFalse(fit["fitted"])
        plot = find(root, "g", "plot")[0]
        self.assertEqual(find(plot, "polyline", "fitted"), [])
        self.assertEqual(find(plot, "line", "baseline"), [])
        self.assertEqual(len([d for g in find(root, "g", "points") for d in g.iter(NS + "circle")]), 2)
        self.assertEqual(" ".join(texts(root, "verdict")), fit["verdict"])

    def test_file_names_are_escaped(self):
        # A detect result whose name holds XML's special characters and a byte that is not UTF-8.
        name = os.path.join(self.tmp.name.encode(), b'we<&"ird\xff.json')
        with open(name, "w") as f:
            json.dump({"rate_per_min": 12.0, "analysed_s": 600, "duration_s": 600}, f)
        r = subprocess.run([EXE, "course", name + b"@26h", "--point", "2:30", "--point", "48:3",
                            "--svg", self.svg], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        root = ET.parse(self.svg).getroot()
        tips = ["".join(d.itertext()) for g in find(root, "g", "points") for d in g.iter(NS + "circle")]
        self.assertTrue(any('we<&"ird\ufffd.json: 26.0 h' in t for t in tips), tips)

    def test_unwritable(self):
        missing = os.path.join(self.tmp.name, "no-such-folder", "c.svg")
        r = run("course", "--point", "2:3", "--point", "12:5", "--point", "24:4", "--svg", missing)
        self.assertEqual(r.returncode, 2)
        self.assertIn(missing.encode(), r.stderr)
        self.assertEqual(r.stdout, b"")
        # A folder where the file should be: nothing written, nothing left beside it.
        r = run("course", "--point", "2:3", "--point", "12:5", "--point", "24:4",
                "--svg", self.tmp.name)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--svg " + self.tmp.name.encode(), r.stderr)
        self.assertEqual(os.listdir(self.tmp.name), [])
        # The chart may not overwrite an input.
        result = os.path.join(self.tmp.name, "day1.json")
        with open(result, "w") as f:
            json.dump({"rate_per_min": 12.0, "analysed_s": 600}, f)
        r = run("course", result + "@26h", "--point", "2:3", "--point", "12:5", "--svg", result)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"same file", r.stderr)
        with open(result) as f:
            self.assertEqual(json.load(f)["rate_per_min"], 12.0)


class DetectChart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.recordings = {}
        # One with the heart on the electrodes only, one with contractions and movement.
        for name, extra in {"heart": ["--ecg-uv", "40"],
                            "busy": ["--bursts", "3", "--artefacts", "2"]}.items():
            edf = os.path.join(cls.tmp.name, name + ".edf")
            r = run("simulate", edf, "--duration", "90", "--channels", "4", "--rate", "60",
                    "--seed", "11", "--no-progress", *extra)
            assert r.returncode == 0, r.stderr
            cls.recordings[name] = edf

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def chart(self, name):
        svg = os.path.join(self.tmp.name, name + ".svg")
        r = run("detect", self.recordings[name], "--json", "--no-progress", "--svg", svg)
        self.assertEqual(r.returncode, 0, r.stderr)
        return ET.parse(svg).getroot(), json.loads(r.stdout)

    def timeline(self, root):
        g = find(root, "g", "timeline")[0]
        t0, t1, x0, x1 = (float(g.get(k)) for k in ("data-t0", "data-t1", "data-x0", "data-x1"))
        return g, lambda t: x0 + (t - t0) / (t1 - t0) * (x1 - x0)

    def test_one_tick_per_event_at_its_onset(self):
        for name in self.recordings:
            root, report = self.chart(name)
            g, x_of = self.timeline(root)
            events = report["events"] + report["other_events"]
            self.assertGreater(len(report["events"]), 20)
            paths = find(g, "path", "ev")
            for channel in report["channels"]:
                mine = [p for p in paths if p.get("data-channel") == channel["label"]]
                onsets = sorted(x_of(e["onset_s"]) for e in events if e["channel"] == channel["label"])
                xs = sorted(x for p in mine for x in tick_xs(p))
                self.assertEqual(len(xs), len(onsets), channel["label"])
                for x, expected in zip(xs, onsets):
                    self.assertAlmostEqual(x, expected, delta=0.06)
            self.assertEqual(sum(len(tick_xs(p)) for p in paths), len(events))
            labels = texts(root, "label")
            self.assertEqual(labels, [c["label"] for c in report["channels"]])

    def test_exclusions_shaded_with_their_reason(self):
        for name in self.recordings:
            root, report = self.chart(name)
            _, x_of = self.timeline(root)
            shaded = find(root, "rect", "ex")
            stretches = [(x["start_s"], x["end_s"], x["reason"]) for x in report["exclusions"]]
            for h in report["heartbeat"]:
                before, after = h["window_s"]
                stretches += [(b - before, b + after, "heartbeat") for b in h["beats_s"]]
            self.assertTrue(stretches, name)
            for start, end, reason in stretches:
                middle = x_of(max(0.0, (start + end) / 2))
                self.assertTrue(any(r.get("data-reason") == reason and
                                    float(r.get("x")) <= middle <= float(r.get("x")) + float(r.get("width"))
                                    for r in shaded), (name, start, end, reason))
            self.assertEqual({r.get("data-reason") for r in shaded}, {s[2] for s in stretches})
            for reason in {s[2] for s in stretches}:
                self.assertTrue(any(t.startswith("excluded: " + reason + " ") for t in texts(root, "legend")))

    def test_rate_strip_counts_the_twitches(self):
        root, report = self.chart("heart")  # the heart's windows leave every bin mostly analysed
        self.assertTrue(report["heartbeat"], "the simulated heart is found")
        bars = find(root, "rect", "rate")
        self.assertEqual(sum(int(b.get("data-events")) for b in bars), len(report["events"]))
        root, report = self.chart("busy")  # bins mostly excluded have no bar
        bars = find(root, "rect", "rate")
        self.assertLessEqual(sum(int(b.get("data-events")) for b in bars), len(report["events"]))

    def test_labels_and_file_names_are_escaped(self):
        folder = os.path.join(self.tmp.name.encode(), b'a<&"\xff')
        os.makedirs(folder, exist_ok=True)
        csv = os.path.join(folder, b"x.csv")
        with open(csv, "w") as f:
            f.write('time_s,a<b&c"d [uV],x>y\'z [uV]\n')
            for i in range(8000):
                f.write(f"{i / 1000:.3f},{(i * 7919) % 13 - 6},{(i * 104729) % 11 - 5}\n")
        svg = os.path.join(self.tmp.name, "labels.svg")
        r = subprocess.run([EXE, "detect", csv, "--svg", svg, "--no-progress"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        root = ET.parse(svg).getroot()
        self.assertEqual(texts(root, "label"), ['a<b&c"d', "x>y'z"])
        self.assertIn('a<&"\ufffd/x.csv', root.find(NS + "title").text)

    def test_unwritable(self):
        edf = self.recordings["heart"]
        missing = os.path.join(self.tmp.name, "no-such-folder", "t.svg")
        r = run("detect", edf, "--no-progress", "--svg", missing)
        self.assertEqual(r.returncode, 2)
        self.assertIn(missing.encode(), r.stderr)
        folder = os.path.join(self.tmp.name, "a-folder")
        os.mkdir(folder)
        csv = os.path.join(self.tmp.name, "events.csv")
        r = run("detect", edf, "--no-progress", "--events-csv", csv, "--svg", folder)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--svg " + folder.encode(), r.stderr)
        self.assertFalse(os.path.exists(csv), "no output is put in place when the chart fails")
        self.assertEqual(os.listdir(folder), [])
        self.assertEqual([n for n in os.listdir(self.tmp.name) if "partial" in n], [])
        r = run("detect", edf, "--no-progress", "--svg", edf)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"same file", r.stderr)


if __name__ == "__main__":
    EXE = sys.argv.pop(1)
    unittest.main()
