package fhirpath

import "github.com/ccg-project/ccg/cql/ast"

// FHIRPath and CQL rank the union operator | differently: CQL binds it
// loosest of all, FHIRPath between is/as and the comparisons, so that
// `name.given = 'a' | 'b'` compares with the union. The CQL parser's tree
// is brought to FHIRPath's precedence by rotating every unparenthesised
// union over the looser operators under it.

// looser reports whether op binds looser than | in FHIRPath (and, in the
// CQL tree, tighter).
func looser(x ast.Expr) (*ast.BinaryExpr, bool) {
	b, ok := x.(*ast.BinaryExpr)
	if !ok {
		return nil, false
	}
	switch b.Op {
	case ast.OpLess, ast.OpGreater, ast.OpLessOrEqual, ast.OpGreaterOrEqual, ast.OpEqual, ast.OpNotEqual,
		ast.OpEquivalent, ast.OpNotEquivalent, ast.OpIn, ast.OpContains, ast.OpAnd, ast.OpOr, ast.OpXor, ast.OpImplies:
		return b, true
	}
	return nil, false
}

// parens finds the operands the source put in parentheses: a binary
// operand whose span does not start (left) or end (right) where its
// parent's does.
func parens(root ast.Expr) map[ast.Expr]bool {
	out := map[ast.Expr]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok {
			if b.Left.GetSpan().Start != b.Span.Start {
				out[b.Left] = true
			}
			if b.Right.GetSpan().End != b.Span.End {
				out[b.Right] = true
			}
		}
		return true
	})
	return out
}

// fixUnions rewrites the tree rooted at x bottom-up (in place below x)
// and returns the new root.
func fixUnions(x ast.Expr, paren map[ast.Expr]bool) ast.Expr {
	fix := func(e ast.Expr) ast.Expr { return fixUnions(e, paren) }
	switch n := x.(type) {
	case *ast.BinaryExpr:
		n.Left, n.Right = fix(n.Left), fix(n.Right)
	case *ast.FunctionCall:
		if n.Source != nil {
			n.Source = fix(n.Source)
		}
		for i, a := range n.Args {
			n.Args[i] = fix(a)
		}
	case *ast.MemberAccess:
		n.Source = fix(n.Source)
	case *ast.Indexer:
		n.Source, n.Index = fix(n.Source), fix(n.Index)
	case *ast.UnaryExpr:
		n.Operand = fix(n.Operand)
	case *ast.IsExpr:
		n.Operand = fix(n.Operand)
	case *ast.AsExpr:
		n.Operand = fix(n.Operand)
	case *ast.IfExpr:
		n.Cond, n.Then, n.Else = fix(n.Cond), fix(n.Then), fix(n.Else)
	case *ast.ListSelector:
		for i, e := range n.Elems {
			n.Elems[i] = fix(e)
		}
	}
	return fixUnions1(x, paren)
}

func fixUnions1(x ast.Expr, paren map[ast.Expr]bool) ast.Expr {
	u, ok := x.(*ast.BinaryExpr)
	if !ok || u.Op != ast.OpUnion {
		return x
	}
	// (a op b) | c  ->  a op (b | c)
	if l, ok := looser(u.Left); ok && !paren[u.Left] {
		inner := &ast.BinaryExpr{Span: ast.Span{Start: l.Right.GetSpan().Start, End: u.End}, Op: ast.OpUnion, Left: l.Right, Right: u.Right}
		return &ast.BinaryExpr{Span: u.Span, Op: l.Op, Left: l.Left, Right: fixUnions1(inner, paren), Precision: l.Precision}
	}
	// a | (b op c)  ->  (a | b) op c
	if r, ok := looser(u.Right); ok && !paren[u.Right] {
		inner := &ast.BinaryExpr{Span: ast.Span{Start: u.Start, End: r.Left.GetSpan().End}, Op: ast.OpUnion, Left: u.Left, Right: r.Left}
		return &ast.BinaryExpr{Span: u.Span, Op: r.Op, Left: fixUnions1(inner, paren), Right: r.Right, Precision: r.Precision}
	}
	return x
}
