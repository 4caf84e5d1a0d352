/// A value of the small subset of Python literal syntax that `.npy` headers
/// use: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
///
/// Understood: dicts, tuples and lists (trailing commas allowed), strings in
/// single or double quotes with backslash escapes, integers (with an optional
/// Python 2 `L` suffix), `True`, `False` and `None`. Anything else is an error.
indirect enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Key–value pairs in the order written.
    case dict([Pair])

    /// One `key: value` entry of a dict.
    struct Pair {
        var key: PythonLiteral
        var value: PythonLiteral
    }

    /// A parse failure, with the character offset where it happened.
    struct ParseError: Error, Equatable {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at character \(offset)" }
    }

    /// Parses `text`, which must hold exactly one literal (surrounding
    /// whitespace allowed).
    static func parse(_ text: String) throws(ParseError) -> PythonLiteral {
        var parser = Parser(characters: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.characters.count else {
            throw ParseError(offset: parser.position, reason: "unexpected text after the literal")
        }
        return value
    }

    private struct Parser {
        let characters: [Unicode.Scalar]
        var position = 0
        /// Nesting deeper than this is refused (a header never nests more than twice).
        static let maximumDepth = 32

        mutating func skipWhitespace() {
            while position < characters.count, characters[position].properties.isWhitespace { position += 1 }
        }

        func fail(_ reason: String) -> ParseError { ParseError(offset: position, reason: reason) }

        mutating func value(depth: Int) throws(ParseError) -> PythonLiteral {
            guard depth < Parser.maximumDepth else { throw fail("literal nested too deeply") }
            skipWhitespace()
            guard position < characters.count else { throw fail("unexpected end of text") }
            switch characters[position] {
            case "{": return try dict(depth: depth)
            case "(":
                let (items, sawComma) = try sequence(closing: ")", depth: depth)
                // `(x)` is just x in Python; only `(x,)` is a 1-tuple.
                if items.count == 1 && !sawComma { return items[0] }
                return .tuple(items)
            case "[": return .list(try sequence(closing: "]", depth: depth).items)
            case "'", "\"": return .string(try string())
            case "-", "+", "0"..."9": return .integer(try integer())
            default:
                let word = identifier()
                switch word {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                case "None": return .none
                case "": throw fail("unexpected character '\(characters[position])'")
                default: throw fail("unknown name '\(word)'")
                }
            }
        }

        mutating func identifier() -> String {
            var result = ""
            while position < characters.count,
                  characters[position].properties.isAlphabetic || characters[position] == "_" {
                result.unicodeScalars.append(characters[position]); position += 1
            }
            return result
        }

        mutating func sequence(closing: Unicode.Scalar, depth: Int) throws(ParseError) -> (items: [PythonLiteral], sawComma: Bool) {
            position += 1  // opening bracket
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                guard position < characters.count else { throw fail("missing '\(closing)'") }
                if characters[position] == closing { position += 1; return (items, sawComma) }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < characters.count else { throw fail("missing '\(closing)'") }
                if characters[position] == "," { sawComma = true; position += 1 }
                else if characters[position] != closing { throw fail("expected ',' or '\(closing)'") }
            }
        }

        mutating func dict(depth: Int) throws(ParseError) -> PythonLiteral {
            position += 1  // {
            var pairs: [Pair] = []
            while true {
                skipWhitespace()
                guard position < characters.count else { throw fail("missing '}'") }
                if characters[position] == "}" { position += 1; return .dict(pairs) }
                let key = try value(depth: depth + 1)
                skipWhitespace()
                guard position < characters.count, characters[position] == ":" else { throw fail("expected ':' after a dict key") }
                position += 1
                let item = try value(depth: depth + 1)
                pairs.append(Pair(key: key, value: item))
                skipWhitespace()
                guard position < characters.count else { throw fail("missing '}'") }
                if characters[position] == "," { position += 1 }
                else if characters[position] != "}" { throw fail("expected ',' or '}'") }
            }
        }

        mutating func string() throws(ParseError) -> String {
            let quote = characters[position]
            let start = position
            position += 1
            var result = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == quote { return result }
                if character == "\n" { throw fail("line break inside a string") }
                if character == "\\" {
                    guard position < characters.count else { break }
                    let escaped = characters[position]
                    position += 1
                    switch escaped {
                    case "n": result += "\n"
                    case "t": result += "\t"
                    case "r": result += "\r"
                    case "0": result += "\0"
                    case "\\", "'", "\"": result.unicodeScalars.append(escaped)
                    default: result += "\\"; result.unicodeScalars.append(escaped)
                    }
                } else {
                    result.unicodeScalars.append(character)
                }
            }
            throw ParseError(offset: start, reason: "unterminated string")
        }

        mutating func integer() throws(ParseError) -> Int {
            let start = position
            var negative = false
            if characters[position] == "-" || characters[position] == "+" {
                negative = characters[position] == "-"
                position += 1
            }
            var value = 0
            var digits = 0
            while position < characters.count, ("0"..."9").contains(characters[position]) {
                let digit = Int(characters[position].value - 48)
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = shifted.addingReportingOverflow(digit)
                guard !overflowA && !overflowB else { throw ParseError(offset: start, reason: "integer too large") }
                value = sum
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw ParseError(offset: start, reason: "expected a number") }
            if position < characters.count, characters[position] == "L" || characters[position] == "l" { position += 1 }
            if position < characters.count, characters[position] == "." || characters[position] == "e" || characters[position] == "E" {
                throw ParseError(offset: start, reason: "expected an integer")
            }
            return negative ? -value : value
        }
    }
}
