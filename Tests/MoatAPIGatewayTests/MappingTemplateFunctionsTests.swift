import MoatCore
import Testing

@testable import MoatAPIGateway

/// Mapping templates: `$input` and its JSONPath, `$util`, `$context`, `$stageVariables`, and the Java methods
/// templates call on strings, lists and maps.
@Suite("API Gateway mapping templates: variables and methods")
struct MappingTemplateFunctionsTests {
    static func render(_ source: String, body: String = "", input: MappingTemplateInput = MappingTemplateInput()) throws -> String {
        try MappingTemplateTests.render(source, body: body, input: input)
    }

    static let document = #"""
        {"a": {"b": "deep", "n": 7, "f": 1.50, "t": true, "z": null},
         "items": [{"name": "x", "tags": ["p", "q"]}, {"name": "y"}, {"other": {"name": "z"}}],
         "url": "https://example.com/a?b=c", "quote": "it's \"q\"", "neg": -7.5}
        """#

    @Test(
        "$input.json selects and serialises; a definite path that misses gives \"\"",
        arguments: [
            ("$input.json('$.a.b')", #""deep""#),
            ("$input.json('$.a')", #"{"b":"deep","n":7,"f":1.50,"t":true,"z":null}"#),
            ("$input.json('$.a.z')", "null"),
            ("$input.json('$.missing')", #""""#),
            ("$input.json('$.a.b.c')", #""""#),
            ("$input.json('$.items[0].tags')", #"["p","q"]"#),
            ("$input.json('$.items[-1].other')", #"{"name":"z"}"#),
            ("$input.json('$.items[9]')", #""""#),
            ("$input.json(\"$['a']['n']\")", "7"),
            ("$input.json('$.items[*].name')", #"["x","y"]"#),
            ("$input.json('$..name')", #"["x","y","z"]"#),
            ("$input.json('$.a.*')", #"["deep",7,1.50,true,null]"#),
            ("$input.json('a.n')", "7"),
            ("$input.json('$.url')", #""https://example.com/a?b=c""#),
            ("$input.json('$.quote')", #""it's \"q\"""#),
        ])
    func inputJSON(template: String, expected: String) throws {
        #expect(try Self.render(template, body: Self.document) == expected)
    }

    @Test(
        "$input.path gives navigable values, printed as API Gateway prints Java objects",
        arguments: [
            ("$input.path('$.a.b')", "deep"),
            ("$input.path('$.a.n')", "7"),
            ("$input.path('$.a.f')", "1.50"),
            ("#set($n = $input.path('$.a.n') + 1)$n", "8"),
            ("#if($input.path('$.a.f') > 1.4)gt#end", "gt"),
            ("#set($v = $input.path('$.a.f') % 1)$v #set($w = $input.path('$.neg') % 2)$w", "0.5-1.5"),
            ("#set($v = $input.path('$.neg') + 0.25)$v #set($w = $input.path('$.a.n') / 2)$w", "-7.253"),
            ("$input.path('$.items').size()", "3"),
            ("$input.path('$.items')[1].name", "y"),
            ("$input.path('$.items[0].tags')", #"["p","q"]"#),
            ("$input.path('$.a')", "{b=deep, n=7, f=1.50, t=true, z=null}"),
            ("$input.path('$.items[0]')", #"{name=x, tags=["p","q"]}"#),
            ("$input.path('$.items[2]')", #"{other={name=z}}"#),
            ("$input.path('$.missing')", "$input.path('$.missing')"),
            ("$!input.path('$.missing')", ""),
            ("$input.path('$.a.z')", "$input.path('$.a.z')"),
            ("#foreach($i in $input.path('$.items'))$i.name#if($foreach.hasNext),#end#end", "x,y,$i.name"),
            ("$input.path('$..name').size()", "3"),
            ("#if($input.path('$.a.t'))t#end#if($input.path('$.missing'))m#end", "t"),
        ])
    func inputPath(template: String, expected: String) throws {
        let output = try Self.render(template, body: Self.document)
        #expect(output == expected)
    }

    @Test("$input.body is the raw body; an empty body reads as {}; a form body reads as text")
    func inputBody() throws {
        #expect(try Self.render("$input.body", body: #"{"raw" :1}"#) == #"{"raw" :1}"#)
        #expect(try Self.render("$input.body|$input.json('$')|$input.path('$').size()") == "{}|{}|0")
        let form = "$input.path('$').split('&')[1].split('=')[0] $input.json('$')"
        #expect(try Self.render(form, body: "a=1&b=2\n") == #"b "a=1&b=2""#)
        let slack = """
            {
            #foreach($token in $input.path('$').split('&'))
                #set($keyVal = $token.split('='))
                #if($keyVal.size() == 2)
                    #set($key = $util.escapeJavaScript($util.urlDecode($keyVal[0])))
                    #set($val = $util.escapeJavaScript($util.urlDecode($keyVal[1])))
                    "$key": "$val"#if($foreach.hasNext),#end
                #end
            #end
            }
            """
        let output = try Self.render(slack, body: "text=hello+world&user_name=ann%40x")
        #expect(try JSONParser.parse(Array(output.utf8)) == .object([("text", .string("hello world")), ("user_name", .string("ann@x"))]))
    }

    @Test("Trailing commas are accepted, as in the developer guide's request body")
    func trailingCommas() throws {
        let template = """
            #set($inputRoot = $input.path('$'))
            {
                "dogId" : "dog_$inputRoot.id",
                "Age": $inputRoot.Age
            }
            """
        let body = "{\n    \"id\": 1,\n    \"type\": \"dog\",\n    \"Age\": 11,\n  }"
        #expect(try Self.render(template, body: body) == "{\n    \"dogId\" : \"dog_1\",\n    \"Age\": 11\n}")
        #expect(try Self.render("$input.json('$')", body: #"[1, [2, ], {"a": ", ]"}, ]"#) == #"[1,[2],{"a":", ]"}]"#)
    }

    static let parameters = MappingTemplateInput(
        pathParameters: [("id", "p")],
        queryString: [("id", "q"), ("q", "1"), ("q", "2")],
        headers: [("Content-Type", "application/json"), ("X-Only-Header", "h")]
    )

    @Test(
        "$input.params: path, then query string, then headers (by any case); the map of all three",
        arguments: [
            ("$input.params('id')", "p"),
            ("$input.params('q')", "2"),
            ("$input.params('x-only-header')", "h"),
            ("[$input.params('none')]", "[]"),
            ("$input.params().keySet()", "[path, querystring, header]"),
            ("$input.params().querystring", "{id=q, q=2}"),
            ("$input.params().header.get('Content-Type')", "application/json"),
            ("$input.params().header.get('content-type')", "$input.params().header.get('content-type')"),
            ("$input.params().path.id", "p"),
            ("$input.params(1)", "$input.params(1)"),
        ])
    func inputParams(template: String, expected: String) throws {
        #expect(try Self.render(template, input: Self.parameters) == expected)
    }

    @Test("$context and $stageVariables, in the three documented spellings")
    func contextAndStageVariables() throws {
        var input = MappingTemplateInput()
        input.context = .object([
            ("requestId", .string("r-1")), ("stage", .string("dev")),
            ("identity", .object([("sourceIp", .string("203.0.113.7"))])),
            ("authorizer", .object([("claims", .object([("sub", .string("u-1")), ("email", .string("a@b.c"))]))])),
        ])
        input.stageVariables = ["env": "prod", "url": "https://x"]
        let template = """
            $context.requestId $context.stage $context.identity.sourceIp $context.authorizer.claims.sub $context.nope \
            $stageVariables.env $stageVariables['url'] ${stageVariables['env']} $stageVariables.keySet()
            """
        #expect(try Self.render(template, input: input) == "r-1 dev 203.0.113.7 u-1 $context.nope prod https://x prod [env, url]")
    }

    @Test(
        "$util: escapeJavaScript, parseJson, urlEncode/Decode, base64Encode/Decode",
        arguments: [
            (#"$util.escapeJavaScript($s)"#, #"it\'s \"q\" \\ \/ \u00E9 \uD83D\uDE00 \n\t\u0001"#),
            (#"$util.escapeJavaScript($s).replaceAll("\\'", "'")"#, #"it's \"q\" \\ \/ \u00E9 \uD83D\uDE00 \n\t\u0001"#),
            (#"$util.escapeJavaScript(12)"#, "12"),
            (#"$util.escapeJavaScript($nope)"#, "$util.escapeJavaScript($nope)"),
            (#"$util.urlEncode('a b&c=d/é*~')"#, "a+b%26c%3Dd%2F%C3%A9*%7E"),
            (#"$util.urlDecode('a+b%26c%3Dd%2F%C3%A9')"#, "a b&c=d/é"),
            (#"$util.base64Encode('hello é')"#, "aGVsbG8gw6k="),
            (#"$util.base64Decode('aGVsbG8gw6k=')"#, "hello é"),
            (#"$util.parseJson('[1, {"a": [true]}]')"#, #"[1,{"a":[true]}]"#),
            (#"$util.parseJson('{"a": [1, 2]}').a.get(1)"#, "2"),
            (#"$util.parseJson('"text"')"#, "text"),
            (#"$util.nothing('x')"#, "$util.nothing('x')"),
        ])
    func util(template: String, expected: String) throws {
        let prefix = "#set($s = \"it's \"\"q\"\" \\ / é 😀 \n\t\u{01}\")"
        #expect(try Self.render(prefix + template) == expected)
    }

    @Test("$util failures fail the rendering")
    func utilFailures() throws {
        for template in ["$util.parseJson('{bad')", "$util.urlDecode('%zz')", "$util.urlDecode('%4')", "$util.base64Decode('***')"] {
            MappingTemplateTests.expectFailure(.evaluation, template)
        }
    }

    @Test(
        "String methods, counted in UTF-16 units as Java counts",
        arguments: [
            ("$s.length()", "11"),
            ("$e.length()", "2"),
            ("$s.isEmpty()$s.empty$e.substring(0, 0).isEmpty()", "falsefalsetrue"),
            ("$s.contains('lo W')", "true"),
            ("$s.toLowerCase() $s.toUpperCase()", "hello world HELLO WORLD"),
            ("[$p.trim()]", "[x y]"),
            ("$s.substring(6) $s.substring(0, 5)", "World Hello"),
            ("$s.replace('o', '0') $s.replace('', '.')", "Hell0 W0rld .H.e.l.l.o. .W.o.r.l.d."),
            ("$s.replaceAll('[aeiou]', '*') $s.replaceFirst('(\\w+) (\\w+)', '$2 $1')", "H*ll* W*rld World Hello"),
            ("$s.split(' ') $s.split(' ').size() $c.split(',') $c.split(',', -1).size()", "[Hello, World] 2 [a, , b] 5"),
            ("$s.split('') $s.split('|').size()", "[H, e, l, l, o,  , W, o, r, l, d] 11"),
            ("$s.startsWith('Hell') $s.startsWith('World', 6) $s.endsWith('ld')", "true true true"),
            ("$s.indexOf('o') $s.indexOf('o', 5) $s.lastIndexOf('o') $s.indexOf('zz') $s.indexOf(111)", "4 7 7 -1 4"),
            ("$s.charAt(1)", "e"),
            ("$s.equals('Hello World') $s.equalsIgnoreCase('hello world') $s.equals(1)", "true true false"),
            ("$s.concat('!') $s.matches('H.*d') $s.matches('H')", "Hello World! true false"),
            ("$s.compareTo('Hello') $s.hashCode()", "6 -862545276"),
            ("$s.substring('1')", "$s.substring('1')"),
            ("$n.toString().length() $n.intValue() $d.intValue() $d.doubleValue()", "2 42 2 2.75"),
        ])
    func stringMethods(template: String, expected: String) throws {
        let prefix = "#set($s = 'Hello World')#set($e = '😀')#set($p = ' \t x y \n')#set($c = 'a,,b,,')#set($n = 42)#set($d = 2.75)"
        #expect(try Self.render(prefix + template) == expected)
    }

    @Test(
        "List and map methods; printing shows what Java shows",
        arguments: [
            ("$l.size() $l.get(1) $l.contains('b') $l.indexOf('c') $l.isEmpty()", "3 b true 2 false"),
            ("$l.add('d') $l", "true [a, b, c, d]"),
            ("$l.add(0, 'z')$l", "[z, a, b, c]"),
            ("$l.remove(0) $l.remove('c') $l", "a true [b]"),
            ("$l.set(1, 'B') $l $l.subList(1, 3)", "b [a, B, c] [B, c]"),
            ("#set($x = $l.addAll(['d']))$l.clear()$l", "[]"),
            ("$m.get('a') $m.a $m['a'] $m.size() $m.containsKey('b') $m.containsValue(2)", "1 1 1 2 true true"),
            ("$m.put('a', 9) $m $m.put('c', 3)", "1 {a=9, b=2} $m.put('c', 3)"),
            ("$!m.put('c', 3)$m.keySet() $m.values()", "[a, b, c] [1, 2, 3]"),
            ("#foreach($e in $m.entrySet())$e.key=$e.value;#end $m.entrySet()", "a=1;b=2; [a=1, b=2]"),
            ("$m.remove('a') $m $m.getOrDefault('z', 0)", "1 {b=2} 0"),
            ("#set($x = $m.putAll({'c': 3}))$m $m.isEmpty()", "{a=1, b=2, c=3} false"),
            ("#set($self = [])$self.add($self)$self", "true[(this Collection)]"),
            ("#set($self = {})$self.put('me', $self)$self", "$self.put('me', $self){me=(this Map)}"),
            ("$l.toString().contains('b') $m.equals({'b': 2, 'a': 1}) $l.equals(['a', 'b', 'c'])", "true true true"),
        ])
    func collectionMethods(template: String, expected: String) throws {
        let prefix = "#set($l = ['a', 'b', 'c'])#set($m = {'a': 1, 'b': 2})"
        #expect(try Self.render(prefix + template) == expected)
    }

    @Test("Methods that throw in Java fail the rendering")
    func failingMethods() throws {
        let prefix = "#set($l = ['a'])#set($s = 'abc')"
        for template in ["$l.get(3)", "$l[5]", "$l.remove(9)", "$s.substring(2, 1)", "$s.charAt(-1)", "$s.replaceAll('(', 'x')",
            "$s.replaceAll('b', '$1')", "$l.subList(0, 2)"]
        {
            MappingTemplateTests.expectFailure(.evaluation, prefix + template)
        }
    }

    @Test(
        "Regular expressions: the Java subset split and replaceAll use",
        arguments: [
            ("a1b22c333", "\\d+", "#", "a#b#c#"),
            ("a.b.c", "\\.", "/", "a/b/c"),
            ("aaa", "a*?", "-", "-a-a-a-"),
            ("aaa", "a*", "-", "--"),
            ("x=1, y=2", "(\\w)=(\\d)", "$2:$1", "1:x, 2:y"),
            ("tab\there", "\\s", "_", "tab_here"),
            ("a-b_c", "[^a-c]", "", "abc"),
            ("costs $5", "\\$", "USD ", "costs USD 5"),
            ("a\\'b", "\\\\'", "'", "a'b"),
            ("Hello", "^H|o$", "*", "*ell*"),
            ("ab ab", "\\bab\\b", "X", "X X"),
            ("aXbXc", "X", "\\$", "a$b$c"),
            ("colour color", "colou?r", "c", "c c"),
            ("aaaa", "a{2}", "b", "bb"),
            ("abcabc", "(?:ab)+c", "-", "--"),
            ("1.5", "\\Q.\\E", ",", "1,5"),
        ])
    func regularExpressions(text: String, pattern: String, replacement: String, expected: String) throws {
        let regex = try JavaRegex(pattern)
        #expect(try regex.replace(in: text, with: replacement, maximumSteps: 100_000).0 == expected)
    }

    @Test("Unsupported regular expressions are refused rather than misread")
    func unsupportedRegularExpressions() {
        for pattern in ["(?=a)", "(?<n>a)", "(a)\\1", "a++", "[a&&b]", "(?i)a", "*a", "a{", "(", "\\k"] {
            #expect(throws: JavaRegex.SyntaxError.self, "\(pattern)") { try JavaRegex(pattern) }
        }
    }
}
