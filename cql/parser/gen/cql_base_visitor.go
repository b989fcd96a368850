// Code generated from Cql.g4 by ANTLR 4.13.1. DO NOT EDIT.

package gen // Cql
import "github.com/antlr4-go/antlr/v4"

type BaseCqlVisitor struct {
	*antlr.BaseParseTreeVisitor
}

func (v *BaseCqlVisitor) VisitLibrary(ctx *LibraryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitExprOnly(ctx *ExprOnlyContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLibraryHeader(ctx *LibraryHeaderContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDeclaration(ctx *DeclarationContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitUsingDecl(ctx *UsingDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIncludeDecl(ctx *IncludeDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAccess(ctx *AccessContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeSystemDecl(ctx *CodeSystemDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitValueSetDecl(ctx *ValueSetDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeSystemList(ctx *CodeSystemListContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeSystemRef(ctx *CodeSystemRefContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeRef(ctx *CodeRefContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeDecl(ctx *CodeDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitConceptDecl(ctx *ConceptDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDisplayClause(ctx *DisplayClauseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitParameterDecl(ctx *ParameterDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitStatement(ctx *StatementContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitContextDecl(ctx *ContextDeclContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitExpressionDef(ctx *ExpressionDefContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitFunctionDef(ctx *FunctionDefContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitOperandDef(ctx *OperandDefContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQualifiedName(ctx *QualifiedNameContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTypeSpec(ctx *TypeSpecContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTupleElementSpec(ctx *TupleElementSpecContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitNamedTypeSpec(ctx *NamedTypeSpecContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTypeName(ctx *TypeNameContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTermExpr(ctx *TermExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAndExpr(ctx *AndExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitBooleanTestExpr(ctx *BooleanTestExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQueryExpr(ctx *QueryExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTimingExpr(ctx *TimingExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitImpliesExpr(ctx *ImpliesExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitBetweenExpr(ctx *BetweenExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRetrieveExpr(ctx *RetrieveExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitOrExpr(ctx *OrExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitEqualityExpr(ctx *EqualityExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDurationBetweenExpr(ctx *DurationBetweenExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCompareExpr(ctx *CompareExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSetExpr(ctx *SetExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCastExpr(ctx *CastExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDifferenceBetweenExpr(ctx *DifferenceBetweenExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitMembershipExpr(ctx *MembershipExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitNotExpr(ctx *NotExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTypeTestExpr(ctx *TypeTestExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitExistsExpr(ctx *ExistsExprContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCaseTerm(ctx *CaseTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPowerTerm(ctx *PowerTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSingletonTerm(ctx *SingletonTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitMemberTerm(ctx *MemberTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSetAggTerm(ctx *SetAggTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitExtentTerm(ctx *ExtentTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitWidthTerm(ctx *WidthTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPredecessorTerm(ctx *PredecessorTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPointTerm(ctx *PointTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIndexTerm(ctx *IndexTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitBoundaryTerm(ctx *BoundaryTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAddTerm(ctx *AddTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitMulTerm(ctx *MulTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitConvertTerm(ctx *ConvertTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPolarityTerm(ctx *PolarityTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitListOpTerm(ctx *ListOpTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitMethodTerm(ctx *MethodTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitComponentTerm(ctx *ComponentTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDurationOfTerm(ctx *DurationOfTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPrimaryTerm(ctx *PrimaryTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDifferenceOfTerm(ctx *DifferenceOfTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSuccessorTerm(ctx *SuccessorTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIfTerm(ctx *IfTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCaseItem(ctx *CaseItemContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLiteralPrimary(ctx *LiteralPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitExternalPrimary(ctx *ExternalPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSpecialPrimary(ctx *SpecialPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIntervalPrimary(ctx *IntervalPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTuplePrimary(ctx *TuplePrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitInstancePrimary(ctx *InstancePrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitListPrimary(ctx *ListPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodePrimary(ctx *CodePrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitConceptPrimary(ctx *ConceptPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCallPrimary(ctx *CallPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitNamePrimary(ctx *NamePrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitParenPrimary(ctx *ParenPrimaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitInstanceType(ctx *InstanceTypeContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitArgList(ctx *ArgListContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTupleElement(ctx *TupleElementContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeSelector(ctx *CodeSelectorContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitNullLit(ctx *NullLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitBoolLit(ctx *BoolLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitStringLit(ctx *StringLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLongLit(ctx *LongLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDateTimeLit(ctx *DateTimeLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDateLit(ctx *DateLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitTimeLit(ctx *TimeLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRatioLit(ctx *RatioLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQuantityLit(ctx *QuantityLitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQuantity(ctx *QuantityContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitUnit(ctx *UnitContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSameAsPhrase(ctx *SameAsPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIncludesPhrase(ctx *IncludesPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDuringPhrase(ctx *DuringPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitBeforeAfterPhrase(ctx *BeforeAfterPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitWithinPhrase(ctx *WithinPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitMeetsPhrase(ctx *MeetsPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitOverlapsPhrase(ctx *OverlapsPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitStartsPhrase(ctx *StartsPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitEndsPhrase(ctx *EndsPhraseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLeftBoundary(ctx *LeftBoundaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRightBoundary(ctx *RightBoundaryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRelation(ctx *RelationContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitOffset(ctx *OffsetContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPrecisionOf(ctx *PrecisionOfContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPrecision(ctx *PrecisionContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitPluralPrecision(ctx *PluralPrecisionContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitComponent(ctx *ComponentContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRetrieve(ctx *RetrieveContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodePath(ctx *CodePathContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitCodeComparator(ctx *CodeComparatorContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQualifiedTerm(ctx *QualifiedTermContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQuery(ctx *QueryContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAliasedSource(ctx *AliasedSourceContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitQuerySource(ctx *QuerySourceContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLetClause(ctx *LetClauseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitLetItem(ctx *LetItemContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRelationship(ctx *RelationshipContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitReturnClause(ctx *ReturnClauseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAggregateClause(ctx *AggregateClauseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSortClause(ctx *SortClauseContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSortItem(ctx *SortItemContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitDirection(ctx *DirectionContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitIdentifier(ctx *IdentifierContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitSoftKeyword(ctx *SoftKeywordContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitRefName(ctx *RefNameContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitFunctionName(ctx *FunctionNameContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitAnyName(ctx *AnyNameContext) interface{} {
	return v.VisitChildren(ctx)
}

func (v *BaseCqlVisitor) VisitReservedWord(ctx *ReservedWordContext) interface{} {
	return v.VisitChildren(ctx)
}
