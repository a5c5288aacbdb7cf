#!/bin/sh
# Prints the path of a python3 that can import matplotlib and jsonschema (what plots/ and the
# result validator need): Debian's /usr/bin/python3 first, then the python3 on PATH.
# Exits 1 with a message naming the Debian packages when neither can.
for py in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
  [ -n "$py" ] && [ -x "$py" ] || continue
  if "$py" -c 'import matplotlib, jsonschema, numpy' >/dev/null 2>&1; then
    echo "$py"
    exit 0
  fi
done
echo "find_python.sh: no python3 with matplotlib, jsonschema and numpy found" \
     "(tried /usr/bin/python3 and python3 on PATH);" \
     "install the Debian packages: apt-get install python3-matplotlib python3-jsonschema python3-numpy" >&2
exit 1
