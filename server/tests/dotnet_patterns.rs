//! Text patterns as Exchange reads them (.NET regular expressions) and what the tool does
//! with each: a table of patterns, whether .NET accepts them, and whether the tool evaluates
//! them (as written or translated for its engine, with texts they must and must not match),
//! follows them both ways as patterns it cannot evaluate, or reports them (MF011) with .NET's
//! reason.

mod cases;

use mailflow::model::{dotnet_regex, Compilation, Pattern};
use mailflow::text::{Span, Spanned};

/// What .NET makes of a pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Net {
    Valid,
    Invalid,
}

/// What the tool does with it.
#[derive(Clone, Copy, Debug)]
enum Tool {
    /// Evaluates it as written.
    AsWritten,
    /// Evaluates it as this engine pattern.
    As(&'static str),
    /// Cannot evaluate it, for a reason containing this.
    NotEvaluated(&'static str),
    /// Reports it as MF011 with this reason.
    Rejects(&'static str),
}

use Net::*;
use Tool::*;

struct Case {
    pattern: &'static str,
    net: Net,
    tool: Tool,
    /// Texts it matches (anywhere in them, without regard to case), as .NET matches them.
    matches: &'static [&'static str],
    misses: &'static [&'static str],
}

const fn case(pattern: &'static str, net: Net, tool: Tool) -> Case {
    Case { pattern, net, tool, matches: &[], misses: &[] }
}

const fn matching(
    pattern: &'static str,
    tool: Tool,
    matches: &'static [&'static str],
    misses: &'static [&'static str],
) -> Case {
    Case { pattern, net: Valid, tool, matches, misses }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Patterns as Exchange admins write them run as written, but for `$`: .NET's `$` is the
    // end or before a final line break ("Anchors").
    matching(r"@contoso\.com", AsWritten, &["user@contoso.com", "USER@CONTOSO.COM"], &["user@contoso.org"]),
    matching(r"^(?!archive@)[^@]+@fabrikam\.com$", As(r"^(?!archive@)[^@]+@fabrikam\.com(?=\n?\z)"),
        &["sales@fabrikam.com", "sales@fabrikam.com\n"], &["archive@fabrikam.com", "sales@fabrikam.com.evil"]),
    matching(r"^a\Z", As(r"^a(?=\n?\z)"), &["a", "a\n"], &["a\nb"]),
    matching(r"(?m)^b$", As(r"(?m:^)b(?m:$)"), &["a\nb\nc"], &["abc"]),
    matching(r"a.b", AsWritten, &["a-b"], &["a\nb"]),
    matching(r"(?s)a.b", As(r"a(?s:.)b"), &["a\nb"], &["ab"]),
    matching(r"\Gab", As(r"\Aab"), &["abc"], &["cab"]),
    // Character escapes ("Character Escapes"): control, octal, hexadecimal, Unicode.
    matching(r"\cA", As(r"\x{1}"), &["\u{1}"], &["A", "cA"]),
    matching(r"\cz", As(r"\x{1A}"), &["\u{1a}"], &["z"]),
    matching(r"\c@", As(r"\x{0}"), &["\0"], &["@"]),
    matching(r"\07", As(r"\x{7}"), &["\u{7}"], &["7", "07"]),
    matching(r"\101", As("A"), &["a", "A"], &["101"]),
    matching(r"\0", As(r"\x{0}"), &["\0"], &["0"]),
    matching(r"\x41\u00e9", As("Aé"), &["aé"], &["x41"]),
    matching(r"\e\a\v", As(r"\x{1B}\x{7}\x{B}"), &["\u{1b}\u{7}\u{b}"], &["eav"]),
    matching(r"[\b]", As(r"[\x{8}]"), &["\u{8}"], &["b"]),
    matching(r"\*\.\#", As(r"\*\.\#"), &["*.#"], &["a.#"]),
    // `\10` is an octal escape unless there are ten groups ("Backreference Constructs").
    matching(r"\10", As(r"\x{8}"), &["\u{8}"], &["10"]),
    // Character classes ("Character Classes"): .NET's `\w` and `\s`, named blocks,
    // subtraction.
    matching(r"^\w+$", As(r"^[\p{L}\p{Mn}\p{Nd}\p{Pc}]+(?=\n?\z)"), &["é_1"], &["a-b"]),
    matching(r"^\s$", As(r"^[\f\n\r\t\x0B\x{85}\p{Z}](?=\n?\z)"), &["\u{85}", "\u{a0}"], &["a"]),
    matching(r"^\d+$", As(r"^[\p{Nd}]+(?=\n?\z)"), &["123", "١٢٣"], &["12a"]),
    matching(r"^\p{IsBasicLatin}+$", As(r"^[\x{0}-\x{7F}]+(?=\n?\z)"), &["abc"], &["abé"]),
    matching(r"\P{IsGreek}", As(r"[^\x{370}-\x{3FF}]"), &["αa"], &["αβ"]),
    matching(r"^[\p{IsGreek}\d]+$", As(r"^[\x{370}-\x{3FF}\p{Nd}]+(?=\n?\z)"), &["αβ1"], &["a"]),
    matching(r"\p{Lu}\p{Pd}", As(r"[\p{Lu}][\p{Pd}]"), &["A-"], &["A_"]),
    matching(r"^[a-z-[aeiou]]+$", As(r"^(?:(?![aeiou])[a-z])+(?=\n?\z)"), &["bcd", "BCD"], &["bad", "BAD"]),
    matching(r"^[\w-[aeiou]]+$", As(r"^(?:(?![aeiou])[\p{L}\p{Mn}\p{Nd}\p{Pc}])+(?=\n?\z)"), &["bcd_1"], &["bad"]),
    matching(r"^[a-z-[d-w-[m-o]]]+$", As(r"^(?:(?!(?:(?![m-o])[d-w]))[a-z])+(?=\n?\z)"), &["abcmnoxyz"], &["d", "p"]),
    matching(r"^[0-9-[2468]]+$", As(r"^(?:(?![2468])[0-9])+(?=\n?\z)"), &["1357"], &["12"]),
    matching(r"[a\-z]", As(r"[a\-z]"), &["-"], &["b"]),
    matching(r"[a-]", As(r"[a\-]"), &["-"], &["b"]),
    matching(r"[]a]", As(r"[\]a]"), &["]"], &["b"]),
    // `[:name:]` is read and skipped (.NET's parser): the class is the `[` alone.
    matching(r"[[:alpha:]]", As(r"[\[]"), &["["], &["a"]),
    // A `{` that starts no quantifier is a character ("Quantifiers"; the parser).
    matching(r"x{,3}", As(r"x\{,3\}"), &["x{,3}"], &["xxx"]),
    matching(r"a{2}", AsWritten, &["aa"], &["a"]),
    matching(r"a{2,}b{1,2}?", AsWritten, &["aab"], &["ab"]),
    // Options ("Regular Expression Options"): `n` captures only named groups, `x` drops
    // white space and `#` comments, `i` is on already (Exchange ignores case).
    matching(r"(?n:(a)|b)", As(r"(?:(?:a)|b)"), &["a", "b"], &["c"]),
    matching(r"(?n)(a)(?<x>b)\1", As(r"(?:a)(b)\k<1>"), &["abb"], &["aba"]),
    matching(r"(?x) a b # c", As("ab"), &["ab"], &["a b"]),
    matching(r"(?x)a[ ]b", As(r"a[ ]b"), &["a b"], &["ab"]),
    matching(r"(?-i:A)", AsWritten, &["A"], &["a"]),
    matching(r"(?i-i:A)", As(r"(?-i:A)"), &["A"], &["a"]),
    matching(r"(?-i)a(?i)b", As(r"(?-i)a(?i)b"), &["aB"], &["AB"]),
    matching(r"(?I)a", As("a"), &["A"], &["b"]),
    matching(r"(?#a comment)b", As("b"), &["b"], &["a"]),
    // Groups and backreferences, numbered as .NET numbers them: unnamed groups first, then
    // named ones ("Grouping Constructs").
    matching(r"^(a)\1$", As(r"^(a)\k<1>(?=\n?\z)"), &["aa"], &["ab"]),
    matching(r"^(?<x>a)(b)\1$", As(r"^(a)(b)\k<2>(?=\n?\z)"), &["abb"], &["aba"]),
    matching(r"^\k<x>?(?<x>a)$", As(r"^\k<1>?(a)(?=\n?\z)"), &["a"], &["b"]),
    matching(r"(?'n'a)\k'n'", As(r"(a)\k<1>"), &["aa"], &["ab"]),
    matching(r"(?<n>a)\<n>", As(r"(a)\k<1>"), &["aa"], &["ab"]),
    matching(r"(?<2>a)\2", As(r"(a)\k<1>"), &["aa"], &["ab"]),
    matching(r"(?>a+)b", AsWritten, &["aab"], &["aa"]),
    matching(r"(?<=@)contoso", AsWritten, &["a@contoso"], &["contoso"]),
    matching(r"(?<!@)contoso", AsWritten, &["contoso"], &["a@contoso"]),
    matching(r"(?<=\w+@)contoso", As(r"(?<=[\p{L}\p{Mn}\p{Nd}\p{Pc}]+@)contoso"), &["ab@contoso"], &["@contoso"]),
    // Conditionals ("Alternation Constructs"): a group's number or name tests whether it
    // captured; anything else is an expression tested ahead.
    matching(r"^(a)?(?(1)b|c)$", As(r"^(a)?(?(1)b|c)(?=\n?\z)"), &["ab", "c"], &["b", "ac"]),
    matching(r"^(?<q>a)?(?(q)b|c)$", As(r"^(a)?(?(1)b|c)(?=\n?\z)"), &["ab", "c"], &["ac"]),
    matching(r"^(?(x)xa|b)$", As(r"^(?:(?=(?:x))xa|(?!(?:x))b)(?=\n?\z)"), &["xa", "b"], &["xb", "a"]),
    matching(r"^(?(?=a)ab|c)$", As(r"^(?:(?=(?=a))ab|(?!(?=a))c)(?=\n?\z)"), &["ab", "c"], &["ac"]),
    matching(r"^(?(x)x)y$", As(r"^(?:(?=(?:x))x|(?!(?:x)))y(?=\n?\z)"), &["xy", "y"], &["xxy"]),

    // Valid .NET the tool cannot evaluate: followed both ways by the simulator.
    case(r"(?<b>x)(?<a-b>y)", Valid, NotEvaluated("balancing group")),
    case(r"(?<-b>x)(?<b>y)", Valid, NotEvaluated("balancing group")),
    case(r"a{1000000}", Valid, NotEvaluated("repetitions")),
    case(r"(?:[a-z]{1,100}\.){1,50}", Valid, NotEvaluated("repetitions")),
    case(r"(?=a)*b", Valid, NotEvaluated("quantifier on a lookaround")),
    case(r"\uD800", Valid, NotEvaluated("surrogate")),
    case(r"\p{IsHighSurrogates}", Valid, NotEvaluated("surrogate")),
    case("x\u{1F600}+", Valid, NotEvaluated("beyond U+FFFF")),
    case("[\u{1F600}]", Valid, NotEvaluated("beyond U+FFFF")),
    case(r"(?<1>a)(?<1>b)\1", Valid, NotEvaluated("several groups")),
    case(r"(?((a))b)", Valid, NotEvaluated("condition captures")),

    // Patterns .NET rejects: MF011, with .NET's reason.
    case(r"@fabrikam\.(com", Invalid, Rejects("unterminated group: the `(` at character 12 is never closed")),
    case(r"[a-", Invalid, Rejects("unterminated character class: the `[` at character 1 is never closed")),
    case(r"a)", Invalid, Rejects("unmatched `)` at character 2: no group is open")),
    case(r"a\", Invalid, Rejects("the pattern ends with a lone `\\`")),
    case(r"\q", Invalid, Rejects("unknown escape `\\q` at character 1")),
    // '_' is a word character: .NET's parser rejects it after `\`.
    case(r"\_", Invalid, Rejects("unknown escape `\\_` at character 1")),
    case(r"\Qa.b\E", Invalid, Rejects("unknown escape `\\Q` at character 1")),
    case(r"[\8]", Invalid, Rejects("unknown escape `\\8` at character 2")),
    case(r"\x4", Invalid, Rejects("`\\x` at character 1 takes exactly 2 hexadecimal digits")),
    case(r"\x{41}", Invalid, Rejects("`\\x` at character 1 takes exactly 2 hexadecimal digits")),
    case(r"\u12", Invalid, Rejects("`\\u` at character 1 takes exactly 4 hexadecimal digits")),
    case(r"\c1", Invalid, Rejects("unknown control character `\\c1` at character 1")),
    case(r"a\c", Invalid, Rejects("`\\c` at character 2 lacks its control character letter")),
    case(r"\p{Foo}", Invalid, Rejects("unknown property `Foo` in `\\p{Foo}`: not a Unicode category or named block")),
    // Property names are exact: "Supported named blocks" spells each one.
    case(r"\p{isbasiclatin}", Invalid, Rejects("unknown property `isbasiclatin`")),
    case(r"\pL", Invalid, Rejects("incomplete `\\p{…}` at character 1")),
    case(r"\pLu+", Invalid, Rejects("malformed `\\p` at character 1: a `{` must follow it")),
    case(r"\p{L", Invalid, Rejects("incomplete `\\p{…}` at character 1")),
    case(r"*a", Invalid, Rejects("quantifier `*` at character 1 follows nothing")),
    case(r"a|*", Invalid, Rejects("quantifier `*` at character 3 follows nothing")),
    case(r"(?i)*", Invalid, Rejects("quantifier `*` at character 5 follows nothing")),
    case(r"(?)", Invalid, Rejects("quantifier `?` at character 2 follows nothing")),
    case(r"a**", Invalid, Rejects("nested quantifier `*` at character 3")),
    // .NET has no possessive quantifiers.
    case(r"a*+", Invalid, Rejects("nested quantifier `+` at character 3")),
    case(r"a{2}{3}", Invalid, Rejects("nested quantifier `{` at character 5")),
    case(r"a{2,1}", Invalid, Rejects("quantifier `{2,1}` at character 2: its minimum is more than its maximum")),
    case(r"a{2147483648}", Invalid, Rejects("the number at character 3 is more than 2147483647")),
    case(r"[z-a]", Invalid, Rejects("range `z-a` at character 4 is in reverse order")),
    case(r"[a-\d]", Invalid, Rejects("a range cannot end in the class `\\d` at character 4")),
    case(r"[a-z-[aeiou]x]", Invalid, Rejects("the subtraction at character 5 must be the last thing in its character class")),
    case(r"(?P<name>x)", Invalid, Rejects("unrecognized grouping construct at character 1")),
    case(r"(?i", Invalid, Rejects("unrecognized grouping construct at character 1")),
    case(r"(?<1a>x)", Invalid, Rejects("invalid group name at character 1")),
    case(r"(?<->x)", Invalid, Rejects("invalid group name at character 1")),
    case(r"(?<0>x)", Invalid, Rejects("group number 0 at character 1")),
    case(r"\1", Invalid, Rejects("reference to undefined group number 1")),
    // The reference says `\8` is a character; .NET's parser takes any `\1` to `\9` for a
    // backreference and rejects one to a group the pattern lacks.
    case(r"\8", Invalid, Rejects("reference to undefined group number 8")),
    case(r"(a)\k<2>", Invalid, Rejects("reference to undefined group number 2")),
    case(r"\k<x>", Invalid, Rejects("reference to undefined group name `x`")),
    case(r"(?n:(a))\1", Invalid, Rejects("reference to undefined group number 1")),
    case(r"\k", Invalid, Rejects("malformed named backreference at character 1")),
    case(r"(?<a-b>x)", Invalid, Rejects("reference to undefined group name `b`")),
    case(r"(?(2)a|b)(x)", Invalid, Rejects("the conditional at character 1 tests group number 2, which is not defined")),
    case(r"(?(a)b|c|d)", Invalid, Rejects("too many `|` in the conditional at character 1")),
    case(r"(?(?#c)a)", Invalid, Rejects("the condition of the conditional at character 1 cannot be a comment")),
    case(r"(?(?<n>a)b)", Invalid, Rejects("the condition of the conditional at character 1 cannot be a named group")),
    case(r"(?(a)(?i)b)", Invalid, Rejects("unrecognized grouping construct at character 6")),
    case(r"a(?#never closed", Invalid, Rejects("unterminated comment: the `(?#` at character 2 is never closed")),
];

fn compile(pattern: &str) -> Pattern {
    Pattern::compile(Spanned::new(pattern.to_owned(), Span::new(0, pattern.len())))
}

#[test]
fn each_pattern_reads_as_dotnet_reads_it_and_the_tool_does_what_the_table_says() {
    let mut wrong = Vec::new();
    for case in CASES {
        let reading = dotnet_regex::read(case.pattern);
        let net = if matches!(reading, dotnet_regex::Reading::Invalid(_)) { Invalid } else { Valid };
        if net != case.net {
            wrong.push(format!("{:?}: .NET {:?} expected, read {reading:?}", case.pattern, case.net));
            continue;
        }
        let pattern = compile(case.pattern);
        let outcome = match (pattern.compilation(), case.tool) {
            (Compilation::Evaluated { translated: None, .. }, AsWritten) => Ok(()),
            (Compilation::Evaluated { translated: Some(t), .. }, As(expected)) if t == expected => Ok(()),
            (Compilation::Evaluated { translated: None, .. }, As(expected)) if expected == case.pattern => Ok(()),
            (Compilation::NotEvaluated { why }, NotEvaluated(part)) if why.contains(part) => Ok(()),
            (Compilation::Invalid { error }, Rejects(part)) if error.starts_with(part) => Ok(()),
            (compiled, tool) => Err(format!("{:?}: {tool:?} expected, got {compiled:?}", case.pattern)),
        };
        if let Err(error) = outcome {
            wrong.push(error);
            continue;
        }
        for text in case.matches {
            if pattern.matches(text) != Some(true) {
                wrong.push(format!("{:?} should match {text:?}", case.pattern));
            }
        }
        for text in case.misses {
            if pattern.matches(text) != Some(false) {
                wrong.push(format!("{:?} should not match {text:?}", case.pattern));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What the tool cannot evaluate it cannot decide: `matches` says so.
#[test]
fn a_pattern_the_tool_cannot_evaluate_or_that_dotnet_rejects_matches_neither_way() {
    for pattern in [r"(?<b>x)(?<a-b>y)", r"a{1000000}", r"@fabrikam\.(com"] {
        assert_eq!(compile(pattern).matches("xy"), None, "{pattern}");
    }
}

/// The table keeps rows of each outcome.
#[test]
fn the_table_covers_each_kind_of_outcome() {
    let count = |f: fn(&Tool) -> bool| CASES.iter().filter(|case| f(&case.tool)).count();
    assert!(count(|tool| matches!(tool, AsWritten | As(_))) >= 40);
    assert!(count(|tool| matches!(tool, NotEvaluated(_))) >= 10);
    assert!(count(|tool| matches!(tool, Rejects(_))) >= 40);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: crate::cases::cases(2000), ..Default::default() })]
    /// Any text is read without a panic, and whatever the tool writes for its engine either
    /// compiles or is named as what the engine cannot run.
    #[test]
    fn any_pattern_reads_without_panicking(
        pattern in r"[\\()\[\]{}?*+|^$.:=!<>'#a-c0-9,\-pPkxucnixsmI é\n]{0,24}",
        text in "[a-c0-9 \n-]{0,8}",
    ) {
        let compiled = compile(&pattern);
        let _ = compiled.matches(&text);
        if let dotnet_regex::Reading::Valid(Ok(_)) = dotnet_regex::read(&pattern) {
            let invalid = matches!(compiled.compilation(), Compilation::Invalid { .. });
            proptest::prop_assert!(!invalid, "read as valid, compiled as invalid");
        }
    }
}
