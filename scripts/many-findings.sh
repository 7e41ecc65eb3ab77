#!/usr/bin/env bash
# The hostile shapes of README "Many findings" and decision 32: SBOMs whose findings are many,
# deep or included by many products, where work or output per finding once grew with the SBOM.
#
#   scripts/many-findings.sh [BOMVET...]      (default: target/release/bomvet, built here)
#
# Writes the SBOMs once into DATA (default target/bench-data/many-findings), then for each binary
# and SBOM prints the wall time, peak memory and report size of `bomvet scan --format json`.
# Shapes (CycloneDX JSON):
#   layers   100 layers of 1,000 components, each with 3 children in the next layer; 5% restricted
#   chain    a chain of 50,000 components, every tenth restricted
#   products 2,000 products over one library that brings in 2,000 restricted components
#   flat     100,000 restricted components listed flat under one product
#   ring     50,000 components in one cycle with a random chord each, every tenth restricted
set -euo pipefail
data=${DATA:-target/bench-data/many-findings}
if [ $# -eq 0 ]; then
  cargo build --release -q -p bomvet
  set -- target/release/bomvet
fi
mkdir -p "$data"
python3 - "$data" <<'EOF'
import json, os, random, sys
out = sys.argv[1]
huawei = {"name": "Huawei Technologies Co., Ltd."}
acme = {"name": "Acme"}
def lib(ref, supplier):
    return {"bom-ref": ref, "type": "library", "name": ref, "version": "1.0", "supplier": supplier}
def write(name, components, dependencies, root=True):
    path = os.path.join(out, name + ".cdx.json")
    if os.path.exists(path):
        return
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "components": components, "dependencies": dependencies}
    if root:
        bom["metadata"] = {"component": {"bom-ref": "root", "type": "application", "name": "product"}}
    with open(path, "w") as f:
        json.dump(bom, f)
rng = random.Random(5)
comps, deps = [], [{"ref": "root", "dependsOn": [f"n0_{w}" for w in range(1000)]}]
for l in range(100):
    for w in range(1000):
        ref = f"n{l}_{w}"
        comps.append(lib(ref, huawei if rng.random() < 0.05 else acme))
        if l < 99:
            deps.append({"ref": ref, "dependsOn": sorted({f"n{l + 1}_{rng.randrange(1000)}" for _ in range(3)})})
write("layers", comps, deps)
n = 50_000
write("chain", [lib(f"c{i}", huawei if i % 10 == 9 else acme) for i in range(n)],
      [{"ref": "root", "dependsOn": ["c0"]}] + [{"ref": f"c{i}", "dependsOn": [f"c{i + 1}"]} for i in range(n - 1)])
comps = [{"bom-ref": f"p{i}", "type": "application", "name": f"prod{i}", "supplier": acme} for i in range(2000)]
comps += [lib("hub", acme)] + [lib(f"k{i}", huawei) for i in range(2000)]
write("products", comps, [{"ref": f"p{i}", "dependsOn": ["hub"]} for i in range(2000)]
      + [{"ref": "hub", "dependsOn": [f"k{i}" for i in range(2000)]}], root=False)
write("flat", [lib(f"c{i}", huawei) for i in range(100_000)], [])
rng = random.Random(9)
n = 50_000
write("ring", [lib(f"c{i}", huawei if i % 10 == 9 else acme) for i in range(n)],
      [{"ref": "root", "dependsOn": ["c0"]}]
      + [{"ref": f"c{i}", "dependsOn": sorted({f"c{(i + 1) % n}", f"c{rng.randrange(n)}"})} for i in range(n)])
EOF
report=$(mktemp)
trap 'rm -f "$report"' EXIT
printf '%-28s %-9s %8s %9s %10s\n' binary shape seconds "peak MB" "report MB"
for bin in "$@"; do
  for shape in layers chain products flat ring; do
    t=$( { /usr/bin/time -f '%e %M' "$bin" scan "$data/$shape.cdx.json" --format json -o "$report" --fail-on never; } 2>&1 | tail -1)
    printf '%-28s %-9s %8s %9d %10d\n' "$bin" "$shape" "${t% *}" $(( ${t#* } / 1024 )) $(( $(stat -c %s "$report") / 1048576 ))
  done
done
