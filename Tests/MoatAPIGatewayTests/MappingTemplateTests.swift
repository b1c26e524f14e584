import MoatCore
import Testing

@testable import MoatAPIGateway

/// Mapping templates: AWS's documented examples, every directive, references and Velocity 1.7's whitespace rules.
@Suite("API Gateway mapping templates: language")
struct MappingTemplateTests {
    /// Renders a template over a body (and optionally more input).
    static func render(
        _ source: String,
        body: String = "",
        input: MappingTemplateInput = MappingTemplateInput(),
        limits: MappingTemplateLimits = MappingTemplateLimits()
    ) throws -> String {
        var input = input
        if !body.isEmpty { input.body = Array(body.utf8) }
        return try MappingTemplate(source).render(input, limits: limits).body
    }

    /// Expects rendering (or parsing) to fail with a code.
    static func expectFailure(
        _ code: MappingTemplateError.Code, _ source: String, body: String = "", limits: MappingTemplateLimits = MappingTemplateLimits(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: MappingTemplateError.self, sourceLocation: sourceLocation) {
            try render(source, body: body, limits: limits)
        }
        #expect(error?.code == code, "\(source): \(String(describing: error))", sourceLocation: sourceLocation)
    }

    static let pets = """
        [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99},
         {"id": 3, "type": "fish", "price": 0.99}]
        """

    // MARK: - AWS's examples

    @Test("Only a template that names context can read $context")
    func readsContext() throws {
        #expect(try MappingTemplate(#"{"statusCode": 200}"#).readsContext == false)
        #expect(try MappingTemplate(#"{"id": "$input.params('id')"}"#).readsContext == false)
        #expect(try MappingTemplate(#"{"stage": "$context.stage"}"#).readsContext)
        #expect(try MappingTemplate(#"#set($c = ${context.requestId})$c"#).readsContext)
    }

    @Test("The pets example of the developer guide renders as documented")
    func petsExample() throws {
        let template = """
            #set($inputRoot = $input.path('$'))
            [
            #foreach($elem in $inputRoot)
              {
                "description" : "Item $elem.id is a $elem.type.",
                "askingPrice" : $elem.price
              }#if($foreach.hasNext),#end

            #end
            ]
            """
        let expected = """
            [
              {
                "description" : "Item 1 is a dog.",
                "askingPrice" : 249.99
              },
              {
                "description" : "Item 2 is a cat.",
                "askingPrice" : 124.99
              },
              {
                "description" : "Item 3 is a fish.",
                "askingPrice" : 0.99
              }
            ]
            """
        #expect(try Self.render(template, body: Self.pets) == expected)
    }

    @Test("The bargain variant compares numbers and prints #else text")
    func bargainExample() throws {
        let template = """
            #set($inputRoot = $input.path('$'))
            [
            #foreach($elem in $inputRoot)
              {"id": $elem.id, "isBargain": #if($elem.price < 200)true#else false#end}#if($foreach.hasNext),#end

            #end
            ]
            """
        let expected = """
            [
              {"id": 1, "isBargain":  false},
              {"id": 2, "isBargain": true},
              {"id": 3, "isBargain": true}
            ]
            """
        #expect(try Self.render(template, body: Self.pets) == expected)
    }

    @Test("The passthrough template re-serialises the body as compact JSON")
    func passthrough() throws {
        let body = #"{ "a" : 1, "b" : [1, 2.50, {"c": null}], "d": "x/\"y\"", "e": true }"#
        #expect(try Self.render("$input.json('$')", body: body) == #"{"a":1,"b":[1,2.50,{"c":null}],"d":"x/\"y\"","e":true}"#)
        #expect(try Self.render(#"{"name" : "$input.params('name')", "body" : $input.json('$.mykey')}"#, body: #"{"mykey": {"k": "v"}}"#)
            == #"{"name" : "", "body" : {"k":"v"}}"#)
    }

    static let parameters = MappingTemplateInput(
        pathParameters: [("id", "42")],
        queryString: [("q", "x y"), ("page", "2")],
        headers: [("Accept", "*/*"), ("X-Trace", "abc")]
    )

    @Test("The params template of the reference lists path, querystring and header with Velocity's whitespace")
    func paramsExample() throws {
        let template = """
            #set($allParams = $input.params())
            {
              "params" : {
                #foreach($type in $allParams.keySet())
                #set($params = $allParams.get($type))
                "$type" : {
                  #foreach($paramName in $params.keySet())
                  "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
                  #if($foreach.hasNext),#end
                  #end
                }
                #if($foreach.hasNext),#end
                #end
              }
            }
            """
        func inner(_ pairs: [(String, String)]) -> String {
            pairs.enumerated().map { offset, pair in
                "      \"\(pair.0)\" : \"\(pair.1)\"\n      " + (offset < pairs.count - 1 ? "," : "") + "      "
            }.joined()
        }
        let groups: [(String, [(String, String)])] = [
            ("path", [("id", "42")]), ("querystring", [("q", "x y"), ("page", "2")]),
            ("header", [("Accept", "*\\/*"), ("X-Trace", "abc")]),
        ]
        let outer = groups.enumerated().map { offset, group in
            "    \"\(group.0)\" : {\n      " + inner(group.1) + "    }\n    " + (offset < groups.count - 1 ? "," : "") + "    "
        }.joined()
        let output = try Self.render(template, input: Self.parameters)
        #expect(output == "{\n  \"params\" : {\n    " + outer + "  }\n}")
        // And it is the JSON the reference promises.
        let json = try JSONParser.parse(Array(output.utf8))
        #expect(json["params"]?["querystring"]?["q"] == .string("x y"))
        #expect(json["params"]?["header"]?["Accept"] == .string("*/*"))
    }

    @Test("The method request passthrough template gives body-json {} without a body")
    func passthroughWithoutBody() throws {
        let template = """
            #set($allParams = $input.params())
            {
            "body-json" : $input.json('$'),
            "params" : {
            #foreach($type in $allParams.keySet())
                #set($params = $allParams.get($type))
            "$type" : {
                #foreach($paramName in $params.keySet())
                "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
                    #if($foreach.hasNext),#end
                #end
            }
                #if($foreach.hasNext),#end
            #end
            },
            "stage-variables" : {
            #foreach($key in $stageVariables.keySet())
            "$key" : "$util.escapeJavaScript($stageVariables.get($key))"
                #if($foreach.hasNext),#end
            #end
            },
            "context" : {
                "request-id" : "$context.requestId",
                "stage" : "$context.stage"
                }
            }
            """
        var input = MappingTemplateInput(pathParameters: [("id", "7")], headers: [("Host", "example.com")])
        input.context = .object([("requestId", .string("r-1")), ("stage", .string("dev"))])
        input.stageVariables = ["b": "2", "a": "1"]
        let output = try Self.render(template, input: input)
        let json = try JSONParser.parse(Array(output.utf8))
        #expect(json["body-json"] == .object([]))
        #expect(json["params"]?["path"]?["id"] == .string("7"))
        #expect(json["params"]?["querystring"] == .object([]))
        #expect(json["params"]?["header"]?["Host"] == .string("example.com"))
        #expect(json["stage-variables"] == .object([("a", .string("1")), ("b", .string("2"))]))
        #expect(json["context"]?["request-id"] == .string("r-1"))
    }

    @Test("$util.parseJson's documented example")
    func parseJsonExample() throws {
        let template = """
            #set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
            {
               "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
            }
            """
        let body = #"{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}"#
        #expect(try Self.render(template, body: body) == "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}")
    }

    @Test("The things example: a count of an object's members and its JSON")
    func thingsExample() throws {
        let template = """
            {
                "id" : "$input.params('id')",
                "count" : "$input.path('$.things').size()",
                "things" : $input.json('$.things')
            }
            """
        let body = #"{"things": {"1": {}, "2": {}, "3": {}}}"#
        let input = MappingTemplateInput(pathParameters: [("id", "abc")])
        let output = try Self.render(template, body: body, input: input)
        #expect(output == "{\n    \"id\" : \"abc\",\n    \"count\" : \"3\",\n    \"things\" : {\"1\":{},\"2\":{},\"3\":{}}\n}")
    }

    @Test("The status override tutorial: a body mentioning an error answers 400")
    func statusOverrideTutorial() throws {
        let template = """
            #set($inputRoot = $input.path('$'))
            $input.json("$")
            #if($inputRoot.toString().contains("error"))
            #set($context.responseOverride.status = 400)
            #end
            """
        let failing = #"{"errors": [{"key": "GetPetRequest.petId", "message": "The value is out of range."}]}"#
        let output = try MappingTemplate(template).render(MappingTemplateInput(body: Array(failing.utf8)))
        #expect(output.statusOverride == 400)
        #expect(output.body == #"{"errors":[{"key":"GetPetRequest.petId","message":"The value is out of range."}]}"# + "\n")
        let fine = try MappingTemplate(template).render(MappingTemplateInput(body: Array(#"{"id": 1}"#.utf8)))
        #expect(fine.statusOverride == nil)
    }

    @Test("The header override tutorial: headers set once, in order; path and query overrides apart")
    func headerOverrideTutorial() throws {
        let template = """
            #set($header1Override = "foo")
            #set($header3Value = "$input.params('header1')$input.params('header2')")
            $input.json("$")
            #set($context.requestOverride.header.header3 = $header3Value)
            #set($context.requestOverride.header.header1 = $header1Override)
            #set($context.requestOverride.header.X-Amz-Invocation-Type = "Event")
            #set($context.requestOverride.header.multi = ["a", "b"])
            #set($context.requestOverride.path.id = "9")
            #set($context.requestOverride.querystring.q = 1)
            #set($context.responseOverride.header.X-Seen = "yes")
            """
        let input = MappingTemplateInput(body: Array("{}".utf8), headers: [("header1", "header1Val"), ("header2", "header2Val")])
        let output = try MappingTemplate(template).render(input)
        #expect(output.body == "{}\n")
        #expect(output.headerOverrides.map { "\($0.name)=\($0.value)" } == [
            "header3=header1Valheader2Val", "header1=foo", "X-Amz-Invocation-Type=Event", "multi=a", "multi=b", "X-Seen=yes",
        ])
        #expect(output.pathOverrides.map { "\($0.name)=\($0.value)" } == ["id=9"])
        #expect(output.queryStringOverrides.map { "\($0.name)=\($0.value)" } == ["q=1"])
        #expect(output.statusOverride == nil)
    }

    @Test("An override set twice fails the rendering, as AWS documents")
    func overridesAreFinal() throws {
        let template = "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)"
        Self.expectFailure(.evaluation, template)
        let header = "#set($context.requestOverride.header.a = 1)$context.requestOverride.header.put('a', 2)"
        Self.expectFailure(.evaluation, header)
        Self.expectFailure(.evaluation, "#set($context.responseOverride.status = 'teapot')")
        #expect(try MappingTemplate("#set($context.responseOverride.status = '201')").render(MappingTemplateInput()).statusOverride == 201)
    }

    @Test("The Serverless Framework's #define template, with replaceAll after escapeJavaScript")
    func defineLoopTemplate() throws {
        let template = #"""
            #define( $loop )
              {
              #foreach($key in $map.keySet())
                  #set( $k = $util.escapeJavaScript($key) )
                  #set( $v = $util.escapeJavaScript($map.get($key)).replaceAll("\\'", "'") )
                  "$k":
                    "$v"
                    #if( $foreach.hasNext ) , #end
              #end
              }
            #end
            {
              "body": $input.json("$"),
              #set( $map = $input.params().header )
              "headers": $loop,
              #set( $map = $input.params().path )
              "path": $loop
            }
            """#
        let input = MappingTemplateInput(
            body: Array(#"{"a": "it's"}"#.utf8), pathParameters: [("id", "O'Brien")], headers: [("X-A", "1"), ("X-B", "q\"t")])
        let output = try Self.render(template, input: input)
        let json = try JSONParser.parse(Array(output.utf8))
        #expect(json["body"]?["a"] == .string("it's"))
        #expect(json["headers"] == .object([("X-A", .string("1")), ("X-B", .string("q\"t"))]))
        #expect(json["path"]?["id"] == .string("O'Brien"))
    }

    // MARK: - Directives

    @Test(
        "#if, #elseif, #else and the conditions Velocity 1.7 accepts",
        arguments: [
            ("#if($yes)A#elseif($yes)B#else C#end", "A"),
            ("#if($no)A#elseif($yes)B#else C#end", "B"),
            ("#if($no)A#elseif($nope)B#else C#end", " C"),
            ("#if($nope)A#end|#if(!$nope)B#end", "|B"),
            ("#if($empty)empty strings are true#end", "empty strings are true"),
            ("#if($zero)zero is true#end", "zero is true"),
            ("#if(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3)order#end", "order"),
            ("#if(1 lt 2 and 2 le 2 and 3 gt 2 and 3 ge 3 and 1 eq 1 and 1 ne 2)words#end", "words"),
            ("#if($no || $yes)or#end#if(not $no)not#end", "ornot"),
            ("#if($one == '1')numbers equal their text#end", "numbers equal their text"),
            ("#if($one == 1.0)numbers by value#end", "numbers by value"),
            ("#if('a' != 'b')differ#end", "differ"),
            ("#if($nope == $alsoNope)nulls equal#end", "nulls equal"),
            ("#if($nope != 'x')null is not x#end", "null is not x"),
            ("#if('a' < 1)strings do not compare#else no#end", " no"),
            ("#if('abc')literals are false#else false#end", " false"),
            ("#if(($yes))groups#end", "groups"),
            ("#{if}($yes)braced#{else}no#{end}", "braced"),
        ])
    func conditionals(template: String, expected: String) throws {
        let prefix = "#set($yes = true)#set($no = false)#set($empty = '')#set($zero = 0)#set($one = 1)"
        #expect(try Self.render(prefix + template) == expected)
    }

    @Test("#foreach: $foreach, $velocityCount, $velocityHasNext, maps, ranges, restoring the variable")
    func loops() throws {
        #expect(try Self.render("#foreach($i in [1..3])$i#end") == "123")
        #expect(try Self.render("#foreach($i in [3..1])$i#end") == "321")
        #expect(try Self.render("#foreach($i in [-1..1])$i,#end") == "-1,0,1,")
        #expect(
            try Self.render("#foreach($x in ['a', 'b', 'c'])$foreach.index$foreach.count$foreach.hasNext$foreach.first$foreach.last;#end")
                == "01truetruefalse;12truefalsefalse;23falsefalsetrue;")
        #expect(try Self.render("#foreach($x in ['a', 'b'])$velocityCount$velocityHasNext #end") == "1true 2false ")
        #expect(try Self.render("#foreach($v in {'a': 1, 'b': 2})$v#end") == "12")
        #expect(try Self.render("#set($x = 'kept')#foreach($x in [1, 2])$x#end$x") == "12kept")
        #expect(try Self.render("#foreach($x in [1])#end$x|$foreach") == "$x|$foreach")
        #expect(try Self.render("#foreach($x in $nope)never#end#foreach($c in 'abc')never#end") == "")
        #expect(try Self.render("#foreach($x in [1, $nope, 3])[$x]#end") == "[1][$x][3]")
        #expect(
            try Self.render("#foreach($a in [1, 2])#foreach($b in ['x', 'y'])$foreach.parent.count$b$foreach.index #end#end")
                == "1x0 1y1 2x0 2y1 ")
        #expect(try Self.render("#set($r = [1..3])$r $r.size()") == "[1, 2, 3] 3")
        #expect(try Self.render("#set($n = 2)#foreach($i in [$n..4])$i#end") == "234")
    }

    @Test("#break leaves the innermost loop or the one named; #stop ends the rendering")
    func breakAndStop() throws {
        #expect(try Self.render("#foreach($i in [1..5])$i#if($i == 3)#break#end#end.") == "123.")
        #expect(
            try Self.render("#foreach($a in [1..3])#foreach($b in [1..3])$a$b #if($b == 2)#break($foreach.parent)#end#end#end!")
                == "11 12 !")
        #expect(try Self.render("a#stop b") == "a")
        #expect(try Self.render("#foreach($i in [1..5])$i#if($i == 2)#stop#end#end tail") == "12")
        Self.expectFailure(.evaluation, "#break($nope)")
    }

    @Test("#set: variables, map entries, list slots, and null leaving the target alone")
    func assignments() throws {
        #expect(try Self.render("#set($x = 1)#set($x = $nope)$x") == "1")
        #expect(try Self.render("#set($m = {})#set($m.a = 1)#set($m['b'] = 2)$m") == "{a=1, b=2}")
        #expect(try Self.render("#set($l = [1, 2])#set($l[0] = 'x')#set($l[-1] = 'y')$l") == "[x, y]")
        #expect(try Self.render("#set($a = [])#set($b = $a)$b.add(1)$a") == "true[1]")
        #expect(try Self.render("#set( $spaced   =   'ok' )$spaced") == "ok")
        #expect(try Self.render("#{set}($braced = 1)$braced") == "1")
        Self.expectFailure(.evaluation, "#set($l = [1])#set($l[3] = 1)")
    }

    @Test("Comments, #[[ literal ]]#, #literal, #define and #macro")
    func blocks() throws {
        #expect(try Self.render("a ## comment $nope\nb") == "a b")
        #expect(try Self.render("a #* block\n $nope *#\nb") == "a \nb")
        #expect(try Self.render("a #** doc *# b") == "a  b")
        #expect(try Self.render("#[[ $x #if( ]]#") == " $x #if( ")
        #expect(try Self.render("#literal()$x #foo#end") == "$x #foo")
        let greet = "#define($greet)Hello $who#end#set($who = 'you')$greet / #set($who = 'me')$greet"
        #expect(try Self.render(greet) == "Hello you / Hello me")
        #expect(try Self.render("#macro(pair $k $v)$k=$v;#end#pair('a' 1)#pair('b', $nope)") == "a=1;b=$v;")
        #expect(try Self.render("#pair('a')#macro(pair $k)[$k]#end") == "[a]")
        #expect(try Self.render("#set($k = 'outer')#macro(m $k)$k#end#m('inner')$k") == "innerouter")
        #expect(try Self.render("#unknown('x') #fff #{x}") == "#unknown('x') #fff #{x}")
        Self.expectFailure(.evaluation, "#parse('other.vm')")
        Self.expectFailure(.evaluation, "#include('x')")
        Self.expectFailure(.evaluation, "#evaluate('$x')")
    }

    // MARK: - References

    @Test(
        "References: quiet, formal, unresolved, escaped",
        arguments: [
            ("$nope", "$nope"),
            ("$!nope", ""),
            ("${nope}", "${nope}"),
            ("$!{nope}", ""),
            ("$x", "X"),
            ("${x}y", "Xy"),
            ("$!x", "X"),
            ("$m.a.b", "deep"),
            ("$m.a.nope", "$m.a.nope"),
            ("$m.nope.x", "$m.nope.x"),
            ("$x.nope()", "$x.nope()"),
            ("$x.substring(0, 9)", "error"),
            ("\\$x", "$x"),
            ("\\$nope", "\\$nope"),
            ("\\\\$x", "\\X"),
            ("\\\\$nope", "\\\\$nope"),
            ("\\$!nope", "\\$!nope"),
            ("$ $5 $! ${ x} $[ 5$", "$ $5 $! ${ x} $[ 5$"),
            ("$x.", "X."),
            ("$x.toLowerCase().", "x."),
            ("$x-1", "$x-1"),
            ("$m.a.b$x", "deepX"),
            ("$m['a']['b']", "deep"),
            ("$l[0]$l[-1]", "13"),
            ("$m.class $input.class", "$m.class $input.class"),
            ("$util.class.forName('java.lang.Runtime')", "$util.class.forName('java.lang.Runtime')"),
            ("\\#if \\#foreach \\#nope \\\\#if(true)y#end", "#if #foreach \\#nope \\y"),
            ("$x.concat(\n  'a' )", "Xa"),
        ])
    func references(template: String, expected: String) throws {
        let prefix = "#set($x = 'X')#set($m = {'a': {'b': 'deep'}})#set($l = [1, 2, 3])"
        if expected == "error" {
            Self.expectFailure(.evaluation, prefix + template)
        } else {
            #expect(try Self.render(prefix + template) == expected)
        }
    }

    @Test("Hyphens belong to identifiers: $elem.partition-key, header overrides")
    func hyphenatedIdentifiers() throws {
        #expect(try Self.render("$input.path('$').partition-key", body: #"{"partition-key": "p1"}"#) == "p1")
        #expect(try Self.render("#set($a-b = 3)$a-b") == "3")
    }

    // MARK: - Literals and operators

    @Test(
        "Literals and arithmetic print as Java does",
        arguments: [
            ("#set($v = 'single $x')$v", "single $x"),
            ("#set($v = \"double $x\")$v", "double X"),
            ("#set($v = \"#if(true)dir#end\")$v", "dir"),
            ("#set($v = \"say \"\"hi\"\"\")$v", "say \"hi\""),
            ("#set($v = 'it''s')$v", "it's"),
            ("#set($v = \"\\u0041\\n\")$v", "A\\n"),
            ("#set($v = 42)$v", "42"),
            ("#set($v = -7)$v", "-7"),
            ("#set($v = 1.5)$v", "1.5"),
            ("#set($v = 2.0)$v", "2.0"),
            ("#set($v = 1e10)$v", "1.0E10"),
            ("#set($v = 0.0001)$v", "1.0E-4"),
            ("#set($v = 12345678.5)$v", "1.23456785E7"),
            ("#set($v = true)$v", "true"),
            ("#set($v = null)$v", "$v"),
            ("#set($v = [1, 'a', [true], {}])$v", "[1, a, [true], {}]"),
            ("#set($v = {'k': 'v', 'n': 1, 'm': {'x': null}})$v", "{k=v, n=1, m={x=null}}"),
            ("#set($v = 1 + 2 * 3)$v", "7"),
            ("#set($v = (1 + 2) * 3)$v", "9"),
            ("#set($v = 7 / 2)$v", "3"),
            ("#set($v = -7 / 2)$v", "-3"),
            ("#set($v = 7 % 3)$v", "1"),
            ("#set($v = -7 % 3)$v", "-1"),
            ("#set($v = 7.0 / 2)$v", "3.5"),
            ("#set($v = 10 - 2 - 3)$v", "5"),
            ("#set($v = 1 / 0)$v", "$v"),
            ("#set($v = 'a' + 1)$v", "a1"),
            ("#set($v = 1 + 'a')$v", "1a"),
            ("#set($v = 'a' + $nope)$v", "a$nope"),
            ("#set($v = 1 + $nope)$v", "$v"),
            ("#set($v = 9223372036854775807 + 1)$v", "9223372036854775808"),
            ("#set($v = 99999999999999999999)$v", "99999999999999999999"),
            ("#set($v = !true)$v", "false"),
            ("#set($v = 1 < 2)$v", "true"),
        ])
    func literals(template: String, expected: String) throws {
        #expect(try Self.render("#set($x = 'X')" + template) == expected)
    }

    // MARK: - Whitespace

    @Test(
        "Whitespace as Velocity 1.7: directives alone on a line leave nothing",
        arguments: [
            ("a\n#set($x = 1)\nb", "a\nb"),
            ("  #set($x = 1)\nb", "b"),
            ("a\n  #set($x = 1)\nb", "a\n  b"),
            ("#set($x = 1)\n    #set($y = 2)\n$x$y", "12"),
            ("#set($x = 1)   \nb", "b"),
            ("#set($x = 1) b", " b"),
            ("#if(true)\nyes\n#end\nafter", "yes\nafter"),
            ("#if(false)\nA\n#else\nB\n#end\n", "B\n"),
            ("#if(true)  \r\nyes#end  \r\nz", "yesz"),
            ("x #if(true) y #end z", "x  y  z"),
            ("#foreach($i in [1..3])\n$i\n#end\n", "1\n2\n3\n"),
            ("  #foreach($i in [1..2])\n  - $i\n  #end\n", "    - 1\n    - 2\n  "),
            ("#if(true)\n  #set($v = 1)\n  v=$v\n#end", "  v=1\n"),
            ("$x\n#set($y = 1)\n", "$x\n"),
            ("#stop\nrest", ""),
            ("a#break\nb", "a"),
        ])
    func whitespace(template: String, expected: String) throws {
        #expect(try Self.render(template) == expected)
    }

    // MARK: - Malformed templates

    @Test(
        "Malformed templates fail to parse, naming the line and column",
        arguments: [
            ("#if($x)open", 1, 1),
            ("a\n  #end", 2, 3),
            ("#else", 1, 1),
            ("#if(true)#else#else#end", 1, 15),
            ("#set($x = )", 1, 11),
            ("#set(x = 1)", 1, 6),
            ("#set($x 1)", 1, 9),
            ("#if(", 1, 5),
            ("#if ($x", 1, 8),
            ("#if 1", 1, 5),
            ("ok\n$a.b(", 2, 6),
            ("$a.b(1,)", 1, 8),
            ("${a", 1, 4),
            ("$a[x]", 1, 4),
            ("$a[1", 1, 5),
            ("#set($x = 'open)", 1, 11),
            ("#* never closed", 1, 1),
            ("#[[ never closed", 1, 1),
            ("#foreach($x $list)#end", 1, 1),
            ("#foreach($x in $list)", 1, 1),
            ("#define()x#end", 1, 1),
            ("#macro($x)#end", 1, 1),
            ("#set($x = 5 -1)", 1, 13),
            ("#set($x = [1, 2)", 1, 16),
            ("#set($x = {'a' 1})", 1, 16),
            ("#if($a ==)#end", 1, 10),
            ("#set($v = \"$a.b(\")", 1, 17),
        ])
    func malformed(template: String, line: Int, column: Int) throws {
        do {
            _ = try MappingTemplate(template)
            Issue.record("parsed: \(template)")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.line == line, "\(template): \(error)")
            #expect(error.column == column, "\(template): \(error)")
        }
    }

    @Test("Errors describe themselves with their code and place")
    func errorDescriptions() {
        #expect(MappingTemplateError(.syntax, "Expected ')'", line: 2, column: 5).description == "syntax at line 2, column 5: Expected ')'")
        #expect(MappingTemplateError(.outputTooLarge, "too big").description == "outputTooLarge: too big")
        let codes: [MappingTemplateError.Code] = [
            .syntax, .templateTooLarge, .outputTooLarge, .tooManyIterations, .nestingTooDeep, .jsonTooDeep, .tooManyOperations,
            .tooMuchMemory, .evaluation,
        ]
        #expect(Set(codes.map(\.description)).count == codes.count)
    }

    @Test("A parsed template renders many times, independently")
    func rendersRepeatedly() throws {
        let template = try MappingTemplate("#set($l = [])#foreach($i in $input.path('$'))$l.add($i)#end$l")
        for count in [1, 3, 0] {
            let body = "[" + (0..<count).map(String.init).joined(separator: ",") + "]"
            let expected = String(repeating: "true", count: count) + "[" + (0..<count).map(String.init).joined(separator: ", ") + "]"
            #expect(try template.render(MappingTemplateInput(body: Array(body.utf8))).body == expected)
        }
    }
}
