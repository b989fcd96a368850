package value

import "encoding/json"

// jsonNumber keeps decimals exact in JSON output.
func jsonNumber(s string) any { return json.Number(s) }
