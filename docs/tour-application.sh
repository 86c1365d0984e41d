#!/usr/bin/env bash
# The README tour of one application: starts a server on a scratch SQLite database (port 8077),
# creates the accounts, drives the application over HTTP, stops the server.
set -euo pipefail
mkdir -p /tmp/tour
cd "$(dirname "$0")/.."
# the day the README output was recorded: the dates and deadlines come out the same on any day
export TIERPOINTS_TODAY=2026-11-29
export DATABASE_URL=sqlite:////tmp/tour/db.sqlite TIERPOINTS_SECRET=tour-secret-0123456789abcdef0123456789
rm -f /tmp/tour/db.sqlite
T=.venv/bin/tierpoints
$T db migrate >/dev/null; $T packs sync >/dev/null
add() { echo "pass-$1-123456" | $T accounts add --password-stdin "$@" >/dev/null; }
add mo_xs --tenant xiangshan --role migrant_office_district
add clerk_xs --tenant xiangshan --role window_clerk
for d in education hr_social_security public_security; do add rev_$d --tenant xiangshan --role department_reviewer --department $d; done
$T serve --port 8077 >/tmp/tour/server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:8077/api/v1/tenants >/dev/null && break; sleep 0.2; done
B=http://127.0.0.1:8077/api/v1
tok() { curl -s -X POST $B/auth/token -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"pass-$1-123456\"}" | jq -r .access_token; }
MO=$(tok mo_xs); CLERK=$(tok clerk_xs)
echo '$ # the district office registers the applicant (identity number checked, stored masked)'
curl -s -X POST $B/tenants/xiangshan/applicants -H "authorization: Bearer $MO" -H 'content-type: application/json' \
  -d '{"name":"李明","identity_number":"33022519960301001X","permit_number":"ZJ-XS-0001","issued_on":"2023-06-01"}' > /tmp/tour/reg.json
jq -c '{id, identity_masked, permit: .permit | {number, tenant, status}}' /tmp/tour/reg.json
ID=$(jq .id /tmp/tour/reg.json)
echo '$ # the window clerk accepts the application: claims with evidence, declared offences (none)'
curl -s -X POST $B/applicants/$ID/applications -H "authorization: Bearer $CLERK" -H 'Idempotency-Key: window-0001' -H 'content-type: application/json' \
  -d '{"claims":[{"fact":"birth_date","value":"1996-03-01","evidence":["identity card"]},{"fact":"education","value":"bachelor","evidence":["degree certificate"]},
       {"fact":"social_insurance","value":[{"start":"2022-01-01","end":"2025-12-31","province":"zhejiang","city":"ningbo","pension":true}],"evidence":["social insurance record"]},
       {"fact":"residence","value":[{"start":"2023-06-01","end":null,"tenant":"xiangshan"}],"evidence":["residence registration"]}],
       "declarations":{"offences":[]}}' > /tmp/tour/app.json
jq -c '{acceptance_number, status, kind, channel, lookup_from}' /tmp/tour/app.json
jq -r '.items[] | "  item \(.id) \(.fact) → \(.department), due \(.due)"' /tmp/tour/app.json
jq -r '.items[0].due_rule' /tmp/tour/app.json
A=$(jq .id /tmp/tour/app.json)
echo '$ # each department reviewer takes its queue and approves'
for d in education hr_social_security public_security; do
  R=$(tok rev_$d)
  for i in $(curl -s "$B/tenants/xiangshan/review-queue?department=$d" -H "authorization: Bearer $R" | jq '.[].id'); do
    curl -s -X POST $B/application-items/$i/approve -H "authorization: Bearer $R" | jq -c '{id, fact, status, decided_by}'
  done
done
echo '$ # the district migrant office determines the points'
curl -s -X POST $B/applications/$A/determine -H "authorization: Bearer $MO" > /tmp/tour/det.json
jq -c '{status, determination: .determination | {occasion, as_of, total, vetoed}}' /tmp/tour/det.json
jq -r '.determination.result.tiers[] | "  \(.tenant): \(.points) of \(.cap)"' /tmp/tour/det.json
echo '$ # the points as Xiangshan and as Hangzhou recognise them'
for at in xiangshan hangzhou; do curl -s "$B/applicants/$ID/points?at=$at" -H "authorization: Bearer $MO" | jq -c '{at, status, total, reason}'; done
