package value

import "github.com/ccg-project/ccg/cql/types"

func typesSystem(name string) (types.Type, bool) {
	t, ok := types.System(name)
	return t, ok
}

func typeDecimalForTest() types.Type  { return types.Decimal }
func typeDateTimeForTest() types.Type { return types.DateTime }
func typeBooleanForTest() types.Type  { return types.Boolean }
