// Code generated from Cql.g4 by ANTLR 4.13.1. DO NOT EDIT.

package gen // Cql
import "github.com/antlr4-go/antlr/v4"

// A complete Visitor for a parse tree produced by CqlParser.
type CqlVisitor interface {
	antlr.ParseTreeVisitor

	// Visit a parse tree produced by CqlParser#library.
	VisitLibrary(ctx *LibraryContext) interface{}

	// Visit a parse tree produced by CqlParser#exprOnly.
	VisitExprOnly(ctx *ExprOnlyContext) interface{}

	// Visit a parse tree produced by CqlParser#libraryHeader.
	VisitLibraryHeader(ctx *LibraryHeaderContext) interface{}

	// Visit a parse tree produced by CqlParser#declaration.
	VisitDeclaration(ctx *DeclarationContext) interface{}

	// Visit a parse tree produced by CqlParser#usingDecl.
	VisitUsingDecl(ctx *UsingDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#includeDecl.
	VisitIncludeDecl(ctx *IncludeDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#access.
	VisitAccess(ctx *AccessContext) interface{}

	// Visit a parse tree produced by CqlParser#codeSystemDecl.
	VisitCodeSystemDecl(ctx *CodeSystemDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#valueSetDecl.
	VisitValueSetDecl(ctx *ValueSetDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#codeSystemList.
	VisitCodeSystemList(ctx *CodeSystemListContext) interface{}

	// Visit a parse tree produced by CqlParser#codeSystemRef.
	VisitCodeSystemRef(ctx *CodeSystemRefContext) interface{}

	// Visit a parse tree produced by CqlParser#codeRef.
	VisitCodeRef(ctx *CodeRefContext) interface{}

	// Visit a parse tree produced by CqlParser#codeDecl.
	VisitCodeDecl(ctx *CodeDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#conceptDecl.
	VisitConceptDecl(ctx *ConceptDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#displayClause.
	VisitDisplayClause(ctx *DisplayClauseContext) interface{}

	// Visit a parse tree produced by CqlParser#parameterDecl.
	VisitParameterDecl(ctx *ParameterDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#statement.
	VisitStatement(ctx *StatementContext) interface{}

	// Visit a parse tree produced by CqlParser#contextDecl.
	VisitContextDecl(ctx *ContextDeclContext) interface{}

	// Visit a parse tree produced by CqlParser#expressionDef.
	VisitExpressionDef(ctx *ExpressionDefContext) interface{}

	// Visit a parse tree produced by CqlParser#functionDef.
	VisitFunctionDef(ctx *FunctionDefContext) interface{}

	// Visit a parse tree produced by CqlParser#operandDef.
	VisitOperandDef(ctx *OperandDefContext) interface{}

	// Visit a parse tree produced by CqlParser#qualifiedName.
	VisitQualifiedName(ctx *QualifiedNameContext) interface{}

	// Visit a parse tree produced by CqlParser#typeSpec.
	VisitTypeSpec(ctx *TypeSpecContext) interface{}

	// Visit a parse tree produced by CqlParser#tupleElementSpec.
	VisitTupleElementSpec(ctx *TupleElementSpecContext) interface{}

	// Visit a parse tree produced by CqlParser#namedTypeSpec.
	VisitNamedTypeSpec(ctx *NamedTypeSpecContext) interface{}

	// Visit a parse tree produced by CqlParser#typeName.
	VisitTypeName(ctx *TypeNameContext) interface{}

	// Visit a parse tree produced by CqlParser#TermExpr.
	VisitTermExpr(ctx *TermExprContext) interface{}

	// Visit a parse tree produced by CqlParser#AndExpr.
	VisitAndExpr(ctx *AndExprContext) interface{}

	// Visit a parse tree produced by CqlParser#BooleanTestExpr.
	VisitBooleanTestExpr(ctx *BooleanTestExprContext) interface{}

	// Visit a parse tree produced by CqlParser#QueryExpr.
	VisitQueryExpr(ctx *QueryExprContext) interface{}

	// Visit a parse tree produced by CqlParser#TimingExpr.
	VisitTimingExpr(ctx *TimingExprContext) interface{}

	// Visit a parse tree produced by CqlParser#ImpliesExpr.
	VisitImpliesExpr(ctx *ImpliesExprContext) interface{}

	// Visit a parse tree produced by CqlParser#BetweenExpr.
	VisitBetweenExpr(ctx *BetweenExprContext) interface{}

	// Visit a parse tree produced by CqlParser#RetrieveExpr.
	VisitRetrieveExpr(ctx *RetrieveExprContext) interface{}

	// Visit a parse tree produced by CqlParser#OrExpr.
	VisitOrExpr(ctx *OrExprContext) interface{}

	// Visit a parse tree produced by CqlParser#EqualityExpr.
	VisitEqualityExpr(ctx *EqualityExprContext) interface{}

	// Visit a parse tree produced by CqlParser#DurationBetweenExpr.
	VisitDurationBetweenExpr(ctx *DurationBetweenExprContext) interface{}

	// Visit a parse tree produced by CqlParser#CompareExpr.
	VisitCompareExpr(ctx *CompareExprContext) interface{}

	// Visit a parse tree produced by CqlParser#SetExpr.
	VisitSetExpr(ctx *SetExprContext) interface{}

	// Visit a parse tree produced by CqlParser#CastExpr.
	VisitCastExpr(ctx *CastExprContext) interface{}

	// Visit a parse tree produced by CqlParser#DifferenceBetweenExpr.
	VisitDifferenceBetweenExpr(ctx *DifferenceBetweenExprContext) interface{}

	// Visit a parse tree produced by CqlParser#MembershipExpr.
	VisitMembershipExpr(ctx *MembershipExprContext) interface{}

	// Visit a parse tree produced by CqlParser#NotExpr.
	VisitNotExpr(ctx *NotExprContext) interface{}

	// Visit a parse tree produced by CqlParser#TypeTestExpr.
	VisitTypeTestExpr(ctx *TypeTestExprContext) interface{}

	// Visit a parse tree produced by CqlParser#ExistsExpr.
	VisitExistsExpr(ctx *ExistsExprContext) interface{}

	// Visit a parse tree produced by CqlParser#CaseTerm.
	VisitCaseTerm(ctx *CaseTermContext) interface{}

	// Visit a parse tree produced by CqlParser#PowerTerm.
	VisitPowerTerm(ctx *PowerTermContext) interface{}

	// Visit a parse tree produced by CqlParser#SingletonTerm.
	VisitSingletonTerm(ctx *SingletonTermContext) interface{}

	// Visit a parse tree produced by CqlParser#MemberTerm.
	VisitMemberTerm(ctx *MemberTermContext) interface{}

	// Visit a parse tree produced by CqlParser#SetAggTerm.
	VisitSetAggTerm(ctx *SetAggTermContext) interface{}

	// Visit a parse tree produced by CqlParser#ExtentTerm.
	VisitExtentTerm(ctx *ExtentTermContext) interface{}

	// Visit a parse tree produced by CqlParser#WidthTerm.
	VisitWidthTerm(ctx *WidthTermContext) interface{}

	// Visit a parse tree produced by CqlParser#PredecessorTerm.
	VisitPredecessorTerm(ctx *PredecessorTermContext) interface{}

	// Visit a parse tree produced by CqlParser#PointTerm.
	VisitPointTerm(ctx *PointTermContext) interface{}

	// Visit a parse tree produced by CqlParser#IndexTerm.
	VisitIndexTerm(ctx *IndexTermContext) interface{}

	// Visit a parse tree produced by CqlParser#BoundaryTerm.
	VisitBoundaryTerm(ctx *BoundaryTermContext) interface{}

	// Visit a parse tree produced by CqlParser#AddTerm.
	VisitAddTerm(ctx *AddTermContext) interface{}

	// Visit a parse tree produced by CqlParser#MulTerm.
	VisitMulTerm(ctx *MulTermContext) interface{}

	// Visit a parse tree produced by CqlParser#ConvertTerm.
	VisitConvertTerm(ctx *ConvertTermContext) interface{}

	// Visit a parse tree produced by CqlParser#PolarityTerm.
	VisitPolarityTerm(ctx *PolarityTermContext) interface{}

	// Visit a parse tree produced by CqlParser#ListOpTerm.
	VisitListOpTerm(ctx *ListOpTermContext) interface{}

	// Visit a parse tree produced by CqlParser#MethodTerm.
	VisitMethodTerm(ctx *MethodTermContext) interface{}

	// Visit a parse tree produced by CqlParser#ComponentTerm.
	VisitComponentTerm(ctx *ComponentTermContext) interface{}

	// Visit a parse tree produced by CqlParser#DurationOfTerm.
	VisitDurationOfTerm(ctx *DurationOfTermContext) interface{}

	// Visit a parse tree produced by CqlParser#PrimaryTerm.
	VisitPrimaryTerm(ctx *PrimaryTermContext) interface{}

	// Visit a parse tree produced by CqlParser#DifferenceOfTerm.
	VisitDifferenceOfTerm(ctx *DifferenceOfTermContext) interface{}

	// Visit a parse tree produced by CqlParser#SuccessorTerm.
	VisitSuccessorTerm(ctx *SuccessorTermContext) interface{}

	// Visit a parse tree produced by CqlParser#IfTerm.
	VisitIfTerm(ctx *IfTermContext) interface{}

	// Visit a parse tree produced by CqlParser#caseItem.
	VisitCaseItem(ctx *CaseItemContext) interface{}

	// Visit a parse tree produced by CqlParser#LiteralPrimary.
	VisitLiteralPrimary(ctx *LiteralPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#ExternalPrimary.
	VisitExternalPrimary(ctx *ExternalPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#SpecialPrimary.
	VisitSpecialPrimary(ctx *SpecialPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#IntervalPrimary.
	VisitIntervalPrimary(ctx *IntervalPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#TuplePrimary.
	VisitTuplePrimary(ctx *TuplePrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#InstancePrimary.
	VisitInstancePrimary(ctx *InstancePrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#ListPrimary.
	VisitListPrimary(ctx *ListPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#CodePrimary.
	VisitCodePrimary(ctx *CodePrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#ConceptPrimary.
	VisitConceptPrimary(ctx *ConceptPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#CallPrimary.
	VisitCallPrimary(ctx *CallPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#NamePrimary.
	VisitNamePrimary(ctx *NamePrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#ParenPrimary.
	VisitParenPrimary(ctx *ParenPrimaryContext) interface{}

	// Visit a parse tree produced by CqlParser#instanceType.
	VisitInstanceType(ctx *InstanceTypeContext) interface{}

	// Visit a parse tree produced by CqlParser#argList.
	VisitArgList(ctx *ArgListContext) interface{}

	// Visit a parse tree produced by CqlParser#tupleElement.
	VisitTupleElement(ctx *TupleElementContext) interface{}

	// Visit a parse tree produced by CqlParser#codeSelector.
	VisitCodeSelector(ctx *CodeSelectorContext) interface{}

	// Visit a parse tree produced by CqlParser#NullLit.
	VisitNullLit(ctx *NullLitContext) interface{}

	// Visit a parse tree produced by CqlParser#BoolLit.
	VisitBoolLit(ctx *BoolLitContext) interface{}

	// Visit a parse tree produced by CqlParser#StringLit.
	VisitStringLit(ctx *StringLitContext) interface{}

	// Visit a parse tree produced by CqlParser#LongLit.
	VisitLongLit(ctx *LongLitContext) interface{}

	// Visit a parse tree produced by CqlParser#DateTimeLit.
	VisitDateTimeLit(ctx *DateTimeLitContext) interface{}

	// Visit a parse tree produced by CqlParser#DateLit.
	VisitDateLit(ctx *DateLitContext) interface{}

	// Visit a parse tree produced by CqlParser#TimeLit.
	VisitTimeLit(ctx *TimeLitContext) interface{}

	// Visit a parse tree produced by CqlParser#RatioLit.
	VisitRatioLit(ctx *RatioLitContext) interface{}

	// Visit a parse tree produced by CqlParser#QuantityLit.
	VisitQuantityLit(ctx *QuantityLitContext) interface{}

	// Visit a parse tree produced by CqlParser#quantity.
	VisitQuantity(ctx *QuantityContext) interface{}

	// Visit a parse tree produced by CqlParser#unit.
	VisitUnit(ctx *UnitContext) interface{}

	// Visit a parse tree produced by CqlParser#SameAsPhrase.
	VisitSameAsPhrase(ctx *SameAsPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#IncludesPhrase.
	VisitIncludesPhrase(ctx *IncludesPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#DuringPhrase.
	VisitDuringPhrase(ctx *DuringPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#BeforeAfterPhrase.
	VisitBeforeAfterPhrase(ctx *BeforeAfterPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#WithinPhrase.
	VisitWithinPhrase(ctx *WithinPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#MeetsPhrase.
	VisitMeetsPhrase(ctx *MeetsPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#OverlapsPhrase.
	VisitOverlapsPhrase(ctx *OverlapsPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#StartsPhrase.
	VisitStartsPhrase(ctx *StartsPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#EndsPhrase.
	VisitEndsPhrase(ctx *EndsPhraseContext) interface{}

	// Visit a parse tree produced by CqlParser#leftBoundary.
	VisitLeftBoundary(ctx *LeftBoundaryContext) interface{}

	// Visit a parse tree produced by CqlParser#rightBoundary.
	VisitRightBoundary(ctx *RightBoundaryContext) interface{}

	// Visit a parse tree produced by CqlParser#relation.
	VisitRelation(ctx *RelationContext) interface{}

	// Visit a parse tree produced by CqlParser#offset.
	VisitOffset(ctx *OffsetContext) interface{}

	// Visit a parse tree produced by CqlParser#precisionOf.
	VisitPrecisionOf(ctx *PrecisionOfContext) interface{}

	// Visit a parse tree produced by CqlParser#precision.
	VisitPrecision(ctx *PrecisionContext) interface{}

	// Visit a parse tree produced by CqlParser#pluralPrecision.
	VisitPluralPrecision(ctx *PluralPrecisionContext) interface{}

	// Visit a parse tree produced by CqlParser#component.
	VisitComponent(ctx *ComponentContext) interface{}

	// Visit a parse tree produced by CqlParser#retrieve.
	VisitRetrieve(ctx *RetrieveContext) interface{}

	// Visit a parse tree produced by CqlParser#codePath.
	VisitCodePath(ctx *CodePathContext) interface{}

	// Visit a parse tree produced by CqlParser#codeComparator.
	VisitCodeComparator(ctx *CodeComparatorContext) interface{}

	// Visit a parse tree produced by CqlParser#qualifiedTerm.
	VisitQualifiedTerm(ctx *QualifiedTermContext) interface{}

	// Visit a parse tree produced by CqlParser#query.
	VisitQuery(ctx *QueryContext) interface{}

	// Visit a parse tree produced by CqlParser#aliasedSource.
	VisitAliasedSource(ctx *AliasedSourceContext) interface{}

	// Visit a parse tree produced by CqlParser#querySource.
	VisitQuerySource(ctx *QuerySourceContext) interface{}

	// Visit a parse tree produced by CqlParser#letClause.
	VisitLetClause(ctx *LetClauseContext) interface{}

	// Visit a parse tree produced by CqlParser#letItem.
	VisitLetItem(ctx *LetItemContext) interface{}

	// Visit a parse tree produced by CqlParser#relationship.
	VisitRelationship(ctx *RelationshipContext) interface{}

	// Visit a parse tree produced by CqlParser#returnClause.
	VisitReturnClause(ctx *ReturnClauseContext) interface{}

	// Visit a parse tree produced by CqlParser#aggregateClause.
	VisitAggregateClause(ctx *AggregateClauseContext) interface{}

	// Visit a parse tree produced by CqlParser#sortClause.
	VisitSortClause(ctx *SortClauseContext) interface{}

	// Visit a parse tree produced by CqlParser#sortItem.
	VisitSortItem(ctx *SortItemContext) interface{}

	// Visit a parse tree produced by CqlParser#direction.
	VisitDirection(ctx *DirectionContext) interface{}

	// Visit a parse tree produced by CqlParser#identifier.
	VisitIdentifier(ctx *IdentifierContext) interface{}

	// Visit a parse tree produced by CqlParser#softKeyword.
	VisitSoftKeyword(ctx *SoftKeywordContext) interface{}

	// Visit a parse tree produced by CqlParser#refName.
	VisitRefName(ctx *RefNameContext) interface{}

	// Visit a parse tree produced by CqlParser#functionName.
	VisitFunctionName(ctx *FunctionNameContext) interface{}

	// Visit a parse tree produced by CqlParser#anyName.
	VisitAnyName(ctx *AnyNameContext) interface{}

	// Visit a parse tree produced by CqlParser#reservedWord.
	VisitReservedWord(ctx *ReservedWordContext) interface{}
}
