package ast

// Inspect traverses the tree rooted at n in depth-first source order. It
// calls f(node) for each node; when f returns true, Inspect then visits the
// node's children. Nil children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, c := range Children(n) {
		Inspect(c, f)
	}
}

// Children returns the direct child nodes of n in source order (nil
// children omitted).
func Children(n Node) []Node {
	var out []Node
	add := func(cs ...Node) {
		for _, c := range cs {
			if c == nil {
				continue
			}
			out = append(out, c)
		}
	}
	expr := func(e Expr) {
		if e != nil {
			out = append(out, e)
		}
	}
	ts := func(t TypeSpec) {
		if t != nil {
			out = append(out, t)
		}
	}
	quantity := func(q *Quantity) {
		if q != nil {
			out = append(out, q)
		}
	}
	csRef := func(r *CodeSystemRef) {
		if r != nil {
			out = append(out, r)
		}
	}
	switch x := n.(type) {
	case *Library:
		if x.Identifier != nil {
			add(x.Identifier)
		}
		for _, d := range x.Usings {
			add(d)
		}
		for _, d := range x.Includes {
			add(d)
		}
		for _, d := range x.CodeSystems {
			add(d)
		}
		for _, d := range x.ValueSets {
			add(d)
		}
		for _, d := range x.Codes {
			add(d)
		}
		for _, d := range x.Concepts {
			add(d)
		}
		for _, d := range x.Parameters {
			add(d)
		}
		for _, d := range x.Contexts {
			add(d)
		}
		for _, s := range x.Statements {
			add(s)
		}
	case *ValueSetDef:
		for _, r := range x.CodeSystems {
			csRef(r)
		}
	case *CodeDef:
		csRef(x.System)
	case *ConceptDef:
		for _, r := range x.Codes {
			if r != nil {
				add(r)
			}
		}
	case *ParameterDef:
		ts(x.Type)
		expr(x.Default)
	case *ExpressionDef:
		expr(x.Expr)
	case *FunctionDef:
		for _, o := range x.Operands {
			if o != nil {
				add(o)
			}
		}
		ts(x.ReturnType)
		expr(x.Body)
	case *OperandDef:
		ts(x.Type)
	case *ListTypeSpec:
		ts(x.Elem)
	case *IntervalTypeSpec:
		ts(x.Point)
	case *TupleTypeSpec:
		for _, e := range x.Elements {
			if e != nil {
				add(e)
			}
		}
	case *TupleElementSpec:
		ts(x.Type)
	case *ChoiceTypeSpec:
		for _, o := range x.Options {
			ts(o)
		}
	case *QuantityLiteral:
		quantity(x.Quantity)
	case *RatioLiteral:
		quantity(x.Numerator)
		quantity(x.Denominator)
	case *MemberAccess:
		expr(x.Source)
	case *FunctionCall:
		expr(x.Source)
		for _, a := range x.Args {
			expr(a)
		}
	case *Indexer:
		expr(x.Source)
		expr(x.Index)
	case *UnaryExpr:
		expr(x.Operand)
	case *BinaryExpr:
		expr(x.Left)
		expr(x.Right)
	case *BetweenExpr:
		expr(x.Operand)
		expr(x.Low)
		expr(x.High)
	case *ComponentFrom:
		expr(x.Operand)
	case *DurationOf:
		expr(x.Operand)
	case *DurationBetween:
		expr(x.Left)
		expr(x.Right)
	case *TypeExtent:
		if x.Type != nil {
			add(x.Type)
		}
	case *SetAggregate:
		expr(x.Operand)
		expr(x.Per)
	case *IsExpr:
		expr(x.Operand)
		ts(x.Type)
	case *AsExpr:
		expr(x.Operand)
		ts(x.Type)
	case *ConvertExpr:
		expr(x.Operand)
		ts(x.ToType)
	case *BooleanTest:
		expr(x.Operand)
	case *TimingExpr:
		expr(x.Left)
		if x.Offset != nil {
			add(x.Offset)
		}
		quantity(x.Within)
		expr(x.Right)
	case *QuantityOffset:
		quantity(x.Quantity)
	case *IfExpr:
		expr(x.Cond)
		expr(x.Then)
		expr(x.Else)
	case *CaseExpr:
		expr(x.Comparand)
		for _, it := range x.Items {
			if it != nil {
				add(it)
			}
		}
		expr(x.Else)
	case *CaseItem:
		expr(x.When)
		expr(x.Then)
	case *ListSelector:
		ts(x.ElemType)
		for _, e := range x.Elems {
			expr(e)
		}
	case *IntervalSelector:
		expr(x.Low)
		expr(x.High)
	case *TupleSelector:
		for _, e := range x.Elems {
			if e != nil {
				add(e)
			}
		}
	case *InstanceSelector:
		if x.Type != nil {
			add(x.Type)
		}
		for _, e := range x.Elems {
			if e != nil {
				add(e)
			}
		}
	case *TupleElement:
		expr(x.Value)
	case *CodeSelector:
		csRef(x.System)
	case *ConceptSelector:
		for _, c := range x.Codes {
			if c != nil {
				add(c)
			}
		}
	case *Retrieve:
		expr(x.Context)
		if x.Type != nil {
			add(x.Type)
		}
		expr(x.Codes)
	case *AliasedSource:
		expr(x.Expr)
	case *LetClause:
		expr(x.Expr)
	case *Relationship:
		if x.Source != nil {
			add(x.Source)
		}
		expr(x.SuchThat)
	case *ReturnClause:
		expr(x.Expr)
	case *AggregateClause:
		expr(x.Starting)
		expr(x.Expr)
	case *SortItem:
		expr(x.Expr)
	case *SortClause:
		for _, it := range x.Items {
			if it != nil {
				add(it)
			}
		}
	case *Query:
		for _, s := range x.Sources {
			if s != nil {
				add(s)
			}
		}
		for _, l := range x.Lets {
			if l != nil {
				add(l)
			}
		}
		for _, r := range x.Relationships {
			if r != nil {
				add(r)
			}
		}
		expr(x.Where)
		if x.Return != nil {
			add(x.Return)
		}
		if x.Aggregate != nil {
			add(x.Aggregate)
		}
		if x.Sort != nil {
			add(x.Sort)
		}
	}
	return out
}
