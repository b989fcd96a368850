// Grammar for Clinical Quality Language (CQL) 1.5, written for the ccg engine.
//
// It follows the syntax described by the CQL 1.5 specification (including
// the FHIRPath-derived expression forms), restructured for this project:
//   * multi-word phrases ("such that", "or before", "included in") are
//     sequences of single-word tokens, so any whitespace or comments may
//     separate the words;
//   * a library's declarations and statements may appear in any order
//     (the checker reports ordering problems, if it cares);
//   * `cast` applies to a term rather than a whole expression, so that
//     `cast x as T` cannot also be read as `cast (x as T)` and the fast SLL
//     prediction mode always finds the right parse;
//   * several query sources need `from`; without it a query has one source
//     (`f(A a, B b)` is a call with two queries, not one query);
//   * three identifier classes control where keywords may be used as names:
//       identifier     - plain, "quoted" and `delimited` identifiers only
//       refName        - identifier or a "soft" keyword usable as a
//                        reference, operand, alias or definition name
//       anyName        - identifier or any keyword; only where a name is
//                        unambiguous (after '.', before ':' in selectors)
//
// Operator precedence is encoded by the order of the alternatives of
// `expr` and `term` (earlier binds tighter), following the precedence
// table of the CQL author's guide.
//
// Regenerate the Go parser with cql/grammar/generate.sh.

grammar Cql;

// ===========================================================================
// Library structure

library
    : libraryHeader? (declaration | statement)* EOF
    ;

// Entry point for parsing a single expression (parser.ParseExpression).
exprOnly
    : expr EOF
    ;

libraryHeader
    : 'library' qualifiedName ('version' STRING)?
    ;

declaration
    : usingDecl
    | includeDecl
    | codeSystemDecl
    | valueSetDecl
    | codeDecl
    | conceptDecl
    | parameterDecl
    ;

usingDecl
    : 'using' qualifiedName ('version' STRING)? ('called' refName)?
    ;

includeDecl
    : 'include' qualifiedName ('version' STRING)? ('called' refName)?
    ;

access
    : 'public'
    | 'private'
    ;

codeSystemDecl
    : access? 'codesystem' refName ':' STRING ('version' STRING)?
    ;

valueSetDecl
    : access? 'valueset' refName ':' STRING ('version' STRING)? codeSystemList?
    ;

codeSystemList
    : 'codesystems' '{' codeSystemRef (',' codeSystemRef)* '}'
    ;

codeSystemRef
    : (refName '.')? refName
    ;

codeRef
    : (refName '.')? refName
    ;

codeDecl
    : access? 'code' refName ':' STRING 'from' codeSystemRef displayClause?
    ;

conceptDecl
    : access? 'concept' refName ':' '{' codeRef (',' codeRef)* '}' displayClause?
    ;

displayClause
    : 'display' STRING
    ;

parameterDecl
    : access? 'parameter' refName typeSpec? ('default' expr)?
    ;

statement
    : contextDecl
    | expressionDef
    | functionDef
    ;

contextDecl
    : 'context' (refName '.')? refName
    ;

expressionDef
    : 'define' access? refName ':' expr
    ;

functionDef
    : 'define' access? 'fluent'? 'function' anyName
      '(' (operandDef (',' operandDef)*)? ')'
      ('returns' typeSpec)?
      ':' (expr | 'external')
    ;

operandDef
    : refName typeSpec
    ;

qualifiedName
    : (refName '.')* refName
    ;

// ===========================================================================
// Type specifiers

typeSpec
    : namedTypeSpec
    | 'List' '<' typeSpec '>'
    | 'Interval' '<' typeSpec '>'
    | 'Tuple' '{' (tupleElementSpec (',' tupleElementSpec)*)? '}'
    | 'Choice' '<' typeSpec (',' typeSpec)* '>'
    ;

tupleElementSpec
    : anyName typeSpec
    ;

namedTypeSpec
    : (refName '.')* typeName
    ;

typeName
    : refName
    | 'Code'
    | 'Concept'
    ;


// ===========================================================================
// Expressions (loosest binding last)

expr
    : term                                                                   # TermExpr
    | retrieve                                                               # RetrieveExpr
    | query                                                                  # QueryExpr
    | expr 'is' 'not'? ('null' | 'true' | 'false')                           # BooleanTestExpr
    | expr ('is' | 'as') typeSpec                                            # TypeTestExpr
    | 'cast' term 'as' typeSpec                                              # CastExpr
    | 'not' expr                                                             # NotExpr
    | 'exists' expr                                                          # ExistsExpr
    | expr 'properly'? 'between' term 'and' term                             # BetweenExpr
    | ('duration' 'in')? pluralPrecision 'between' term 'and' term           # DurationBetweenExpr
    | 'difference' 'in' pluralPrecision 'between' term 'and' term            # DifferenceBetweenExpr
    | expr ('<=' | '<' | '>' | '>=') expr                                    # CompareExpr
    | expr timingPhrase expr                                                 # TimingExpr
    | expr ('=' | '!=' | '~' | '!~') expr                                    # EqualityExpr
    | expr ('in' | 'contains') precisionOf? expr                             # MembershipExpr
    | expr 'and' expr                                                        # AndExpr
    | expr ('or' | 'xor') expr                                               # OrExpr
    | expr 'implies' expr                                                    # ImpliesExpr
    | expr ('|' | 'union' | 'intersect' | 'except') expr                     # SetExpr
    ;

term
    : primary                                                                # PrimaryTerm
    | term '.' anyName                                                       # MemberTerm
    | term '.' anyName '(' argList? ')'                                      # MethodTerm
    | term '[' expr ']'                                                      # IndexTerm
    | 'convert' expr 'to' (unit | typeSpec)                                  # ConvertTerm
    | ('+' | '-') term                                                       # PolarityTerm
    | ('start' | 'end') 'of' term                                            # BoundaryTerm
    | component 'from' term                                                  # ComponentTerm
    | 'duration' 'in' pluralPrecision 'of' term                              # DurationOfTerm
    | 'difference' 'in' pluralPrecision 'of' term                            # DifferenceOfTerm
    | ('width' | 'size') 'of' term                                           # WidthTerm
    | 'successor' 'of' term                                                  # SuccessorTerm
    | 'predecessor' 'of' term                                                # PredecessorTerm
    | 'singleton' 'from' term                                                # SingletonTerm
    | 'point' 'from' term                                                    # PointTerm
    | ('minimum' | 'maximum') namedTypeSpec                                  # ExtentTerm
    | term '^' term                                                          # PowerTerm
    | term ('*' | '/' | 'div' | 'mod') term                                  # MulTerm
    | term ('+' | '-' | '&') term                                            # AddTerm
    | 'if' expr 'then' expr 'else' expr                                      # IfTerm
    | 'case' expr? caseItem+ 'else' expr 'end'                               # CaseTerm
    | ('distinct' | 'flatten') expr                                          # ListOpTerm
    | ('expand' | 'collapse') expr ('per' (precision | expr))?              # SetAggTerm
    ;

caseItem
    : 'when' expr 'then' expr
    ;

primary
    : literal                                                                # LiteralPrimary
    | '%' (refName | STRING)                                                 # ExternalPrimary
    | ('$this' | '$index' | '$total')                                        # SpecialPrimary
    | 'Interval' ('[' | '(') expr ',' expr (']' | ')')                       # IntervalPrimary
    | 'Tuple'? '{' (':' | tupleElement (',' tupleElement)*) '}'              # TuplePrimary
    | instanceType '{' (':' | tupleElement (',' tupleElement)*) '}'          # InstancePrimary
    | ('List' ('<' typeSpec '>')?)? '{' (expr (',' expr)*)? '}'              # ListPrimary
    | codeSelector                                                           # CodePrimary
    | 'Concept' '{' codeSelector (',' codeSelector)* '}' displayClause?      # ConceptPrimary
    | functionName '(' argList? ')'                                          # CallPrimary
    | refName                                                                # NamePrimary
    | '(' expr ')'                                                           # ParenPrimary
    ;

// The type of an instance selector: a named type, or the System Interval
// type (Interval { low: 1, high: 5, lowClosed: true, highClosed: false }),
// whose name is a keyword.
instanceType
    : namedTypeSpec
    | (refName '.')? 'Interval'
    ;

argList
    : expr (',' expr)*
    ;

tupleElement
    : anyName ':' expr
    ;

codeSelector
    : 'Code' STRING 'from' codeSystemRef displayClause?
    ;

literal
    : 'null'                                                                 # NullLit
    | ('true' | 'false')                                                     # BoolLit
    | STRING                                                                 # StringLit
    | LONGNUMBER                                                             # LongLit
    | DATETIME                                                               # DateTimeLit
    | DATE                                                                   # DateLit
    | TIME                                                                   # TimeLit
    | quantity ':' quantity                                                  # RatioLit
    | quantity                                                               # QuantityLit
    ;

quantity
    : NUMBER unit?
    ;

unit
    : precision
    | pluralPrecision
    | STRING
    ;

// ===========================================================================
// Timing phrases

timingPhrase
    : leftBoundary? 'same' precision? ('as' | 'or' 'before' | 'or' 'after') rightBoundary?   # SameAsPhrase
    | 'properly'? 'includes' precisionOf? rightBoundary?                                    # IncludesPhrase
    | leftBoundary? 'properly'? ('during' | 'included' 'in') precisionOf?                   # DuringPhrase
    | leftBoundary? offset? relation precisionOf? rightBoundary?                            # BeforeAfterPhrase
    | leftBoundary? 'properly'? 'within' quantity 'of' rightBoundary?                       # WithinPhrase
    | 'meets' ('before' | 'after')? precisionOf?                                            # MeetsPhrase
    | 'overlaps' ('before' | 'after')? precisionOf?                                         # OverlapsPhrase
    | 'starts' precisionOf?                                                                 # StartsPhrase
    | 'ends' precisionOf?                                                                   # EndsPhrase
    ;

leftBoundary
    : 'starts'
    | 'ends'
    | 'occurs'
    ;

rightBoundary
    : 'start'
    | 'end'
    ;

relation
    : 'on' 'or' ('before' | 'after')
    | ('before' | 'after') ('or' 'on')?
    ;

offset
    : quantity ('or' ('more' | 'less'))?
    | ('less' | 'more') 'than' quantity
    ;

precisionOf
    : precision 'of'
    ;

precision
    : 'year' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond'
    ;

pluralPrecision
    : 'years' | 'months' | 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds' | 'milliseconds'
    ;

component
    : precision
    | 'date'
    | 'time'
    | 'timezoneoffset'
    | 'timezone'     // CQL 1.3 spelling of timezoneoffset
    ;

// ===========================================================================
// Retrieve and queries

retrieve
    : '[' (qualifiedTerm '->')? namedTypeSpec (':' (codePath codeComparator)? expr)? ']'
    ;

codePath
    : refName ('.' anyName | '[' literal ']')*
    ;

codeComparator
    : 'in'
    | '='
    | '~'
    ;

qualifiedTerm
    : refName ('.' anyName)*
    ;

query
    : ('from' aliasedSource (',' aliasedSource)* | aliasedSource)
      letClause?
      relationship*
      ('where' expr)?
      (aggregateClause | returnClause)?
      sortClause?
    ;

aliasedSource
    : querySource refName
    ;

querySource
    : retrieve
    | qualifiedTerm
    | '(' expr ')'
    ;

letClause
    : 'let' letItem (',' letItem)*
    ;

letItem
    : refName ':' expr
    ;

relationship
    : ('with' | 'without') aliasedSource 'such' 'that' expr
    ;

returnClause
    : 'return' ('all' | 'distinct')? expr
    ;

aggregateClause
    : 'aggregate' ('all' | 'distinct')? refName ('starting' (literal | '(' expr ')'))? ':' expr
    ;

sortClause
    : 'sort' (direction | 'by' sortItem (',' sortItem)*)
    ;

sortItem
    : term direction?
    ;

direction
    : 'asc' | 'ascending' | 'desc' | 'descending'
    ;

// ===========================================================================
// Names

identifier
    : IDENTIFIER
    | QUOTED_IDENTIFIER
    | DELIMITED_IDENTIFIER
    ;

// Keywords that can also name things (definitions, operands, aliases,
// functions, type names) without making the grammar ambiguous.
softKeyword
    : 'asc' | 'ascending' | 'by' | 'called' | 'code' | 'codesystems' | 'concept'
    | 'default' | 'desc' | 'descending' | 'display' | 'fluent'
    | 'returns' | 'version' | 'date' | 'time' | 'timezone'
    ;

refName
    : identifier
    | softKeyword
    ;

functionName
    : refName
    ;

// Any word at all: used only where the position makes it unambiguous
// (after '.', and before ':' in tuple and instance selectors).
anyName
    : identifier
    | softKeyword
    | reservedWord
    ;

reservedWord
    : 'after' | 'aggregate' | 'all' | 'and' | 'as' | 'before' | 'between' | 'case'
    | 'cast' | 'Choice' | 'Code' | 'codesystem' | 'collapse' | 'Concept' | 'contains'
    | 'context' | 'convert' | 'day' | 'days' | 'define' | 'difference'
    | 'distinct' | 'div' | 'duration' | 'during' | 'else' | 'end' | 'ends' | 'except'
    | 'exists' | 'expand' | 'external' | 'false' | 'flatten' | 'from' | 'function' | 'hour' | 'hours'
    | 'if' | 'implies' | 'in' | 'include' | 'included' | 'includes' | 'intersect'
    | 'Interval' | 'is' | 'less' | 'let' | 'library' | 'List' | 'maximum' | 'meets'
    | 'millisecond' | 'milliseconds' | 'minimum' | 'minute' | 'minutes' | 'mod' | 'month'
    | 'months' | 'more' | 'not' | 'null' | 'occurs' | 'of' | 'on' | 'or' | 'overlaps'
    | 'parameter' | 'per' | 'point' | 'predecessor' | 'private' | 'properly' | 'public'
    | 'return' | 'same' | 'second' | 'seconds' | 'singleton' | 'size' | 'sort' | 'start'
    | 'starting' | 'starts' | 'successor' | 'such' | 'than' | 'that' | 'then'
    | 'timezoneoffset' | 'to' | 'true' | 'Tuple' | 'union' | 'using' | 'valueset'
    | 'week' | 'weeks' | 'when' | 'where' | 'width' | 'with' | 'within' | 'without'
    | 'xor' | 'year' | 'years'
    ;

// ===========================================================================
// Lexer

QUOTED_IDENTIFIER    : '"' (ESCAPE | ~["\\])* '"' ;
DELIMITED_IDENTIFIER : '`' (ESCAPE | ~[`\\])* '`' ;
STRING               : '\'' (ESCAPE | ~['\\])* '\'' ;

DATETIME   : '@' DATE_PART 'T' TIME_PART? ZONE? ;
DATE       : '@' DATE_PART ;
TIME       : '@' 'T' TIME_PART ;

LONGNUMBER : DIGIT+ 'L' ;
NUMBER     : DIGIT+ ('.' DIGIT+)? ;

IDENTIFIER : [A-Za-z_] [A-Za-z0-9_]* ;

WS           : [ \t\r\n\f\u00A0\uFEFF]+ -> skip ;
BLOCK_COMMENT: '/*' .*? '*/' -> skip ;
LINE_COMMENT : '//' ~[\r\n]* -> skip ;

fragment DIGIT     : [0-9] ;
fragment HEX       : [0-9a-fA-F] ;
fragment ESCAPE    : '\\' ([`'"\\/fnrt] | 'u' HEX HEX HEX HEX) ;
fragment DATE_PART : DIGIT DIGIT DIGIT DIGIT ('-' DIGIT DIGIT ('-' DIGIT DIGIT)?)? ;
fragment TIME_PART : DIGIT DIGIT (':' DIGIT DIGIT (':' DIGIT DIGIT ('.' DIGIT+)?)?)? ;
fragment ZONE      : 'Z' | ('+' | '-') DIGIT DIGIT ':' DIGIT DIGIT ;
