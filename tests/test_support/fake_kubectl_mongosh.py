#!/usr/bin/python3
"""A stand-in for `kubectl`, placed first on PATH by tests of nvsx's legacy
MongoDB source (MongoDB is not in Debian). It answers only the command lines
nvsx sends:

  kubectl [--kubeconfig F] [--context C] exec -n NS POD [-c C] -- mongosh --quiet --eval EXPR

for the two expressions nvsx evaluates, from files in $FAKE_MONGO_DIR:
  ....countDocuments(FILTER)   prints counts.json[FILTER] (the filter text, verbatim)
  JSON.stringify(....find({_id: {$gt: ObjectId("X")}}).sort({_id: 1}).limit(N).toArray())
                               prints, as one JSON line, the documents of
                               COLLECTION.json whose _id is above X, in _id order, at most N
Every call's argv goes to calls.jsonl; exit.json {"code": N, "stderr": "..."},
when present, makes every call fail that way. Anything else fails with 1."""
import json
import os
import re
import sys

DIR = os.environ["FAKE_MONGO_DIR"]
COLLECTION = r'db\.getSiblingDB\("(?P<db>[^"]*)"\)\.getCollection\("(?P<coll>[^"]*)"\)'
COUNT = re.compile("^" + COLLECTION + r"\.countDocuments\((?P<filter>.*)\)$", re.S)
FIND = re.compile(r'^JSON\.stringify\(' + COLLECTION +
                  r'\.find\(\{_id: \{\$gt: ObjectId\("(?P<after>[0-9a-f]{24})"\)\}\}\)'
                  r'\.sort\(\{_id: 1\}\)\.limit\((?P<limit>\d+)\)\.toArray\(\)\)$')


def load(name, default):
    path = os.path.join(DIR, name)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def main(argv):
    with open(os.path.join(DIR, "calls.jsonl"), "a") as f:
        f.write(json.dumps(argv) + "\n")
    failure = load("exit.json", None)
    if failure:
        print(failure.get("stderr", ""), file=sys.stderr)
        sys.exit(failure["code"])
    args = list(argv)
    while args and args[0] in ("--kubeconfig", "--context"):
        args = args[2:]
    if len(args) < 8 or args[0] != "exec" or args[1] != "-n" or "--" not in args:
        fail("fake kubectl: unexpected command line: %r" % argv)
    tail = args[args.index("--") + 1:]
    if tail[:3] != ["mongosh", "--quiet", "--eval"] or len(tail) != 4:
        fail("fake kubectl: not a mongosh --quiet --eval call: %r" % argv)
    expression = tail[3]
    count = COUNT.match(expression)
    if count:
        counts = load("counts.json", {})
        if count.group("filter") not in counts:
            fail("MongoServerError: fake has no count for filter %s" % count.group("filter"))
        print(counts[count.group("filter")])
        return
    find = FIND.match(expression)
    if find:
        documents = load(find.group("coll") + ".json", [])
        newer = sorted((d for d in documents if d["_id"] > find.group("after")),
                       key=lambda d: d["_id"])
        print(json.dumps(newer[:int(find.group("limit"))]))
        return
    fail("fake kubectl: unexpected expression %r" % expression)


if __name__ == "__main__":
    main(sys.argv[1:])
