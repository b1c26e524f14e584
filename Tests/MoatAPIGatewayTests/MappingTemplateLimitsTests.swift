import Testing

@testable import MoatAPIGateway

/// Mapping templates run untrusted templates over untrusted bodies: every limit stops a rendering with its own error,
/// and nothing a template does outlives the rendering.
@Suite("API Gateway mapping templates: limits")
struct MappingTemplateLimitsTests {
    static func limits(_ change: (inout MappingTemplateLimits) -> Void) -> MappingTemplateLimits {
        var limits = MappingTemplateLimits()
        change(&limits)
        return limits
    }

    static func parseFailure(_ source: String) -> MappingTemplateError.Code? {
        do {
            _ = try MappingTemplate(source)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("The defaults follow API Gateway's quotas")
    func defaults() {
        let limits = MappingTemplateLimits()
        #expect(limits.maximumOutputBytes == 10 * 1024 * 1024)
        #expect(limits.maximumIterationsPerLoop == 1000)
        #expect(MappingTemplate.maximumSourceBytes == 300 * 1024)
    }

    @Test("The output is bounded, and so is every string a template builds")
    func outputSize() throws {
        let small = Self.limits { $0.maximumOutputBytes = 100 }
        #expect(try MappingTemplateTests.render("#foreach($i in [1..10])0123456789#end", limits: small).count == 100)
        MappingTemplateTests.expectFailure(.outputTooLarge, "#foreach($i in [1..11])0123456789#end", limits: small)
        let doubling = "#set($s = 'xxxxxxxxxx')#foreach($i in [1..30])#set($s = \"$s$s\")#end"
        MappingTemplateTests.expectFailure(.outputTooLarge, doubling, limits: small)
        MappingTemplateTests.expectFailure(.outputTooLarge, "#set($s = 'xxxxxxxxxx')#foreach($i in [1..30])#set($s = $s + $s)#end")
    }

    @Test("A loop stops silently after 1,000 iterations, as API Gateway's does")
    func iterationsPerLoop() throws {
        #expect(try MappingTemplateTests.render("#foreach($i in [1..5000])x#end").count == 1000)
        #expect(try MappingTemplateTests.render("#foreach($i in [1..2000])#end$i|$velocityCount") == "$i|$velocityCount")
        let body = "[" + Array(repeating: "1", count: 1500).joined(separator: ",") + "]"
        #expect(try MappingTemplateTests.render("#foreach($i in $input.path('$'))$i#end", body: body).count == 1000)
        let three = Self.limits { $0.maximumIterationsPerLoop = 3 }
        #expect(try MappingTemplateTests.render("#foreach($i in [1..9])$i$foreach.hasNext #end", limits: three) == "1true 2true 3true ")
    }

    @Test("Loops together are bounded: nested loops fail instead of multiplying")
    func totalIterations() throws {
        MappingTemplateTests.expectFailure(
            .tooManyIterations, "#foreach($a in [1..1000])#foreach($b in [1..1000])#end#end")
        let few = Self.limits { $0.maximumTotalIterations = 10 }
        #expect(try MappingTemplateTests.render("#foreach($a in [1..10])#end", limits: few) == "")
        MappingTemplateTests.expectFailure(.tooManyIterations, "#foreach($a in [1..11])#end", limits: few)
    }

    @Test("Recursion and nesting are bounded: macros, #define, printed and compared cycles")
    func nesting() throws {
        MappingTemplateTests.expectFailure(.nestingTooDeep, "#macro(again)#again()#end#again()")
        MappingTemplateTests.expectFailure(.nestingTooDeep, "#define($a)$a#end$a")
        MappingTemplateTests.expectFailure(.nestingTooDeep, "#set($a = [])#set($b = [$a])#set($x = $a.add($b))$a")
        let twoCycles = "#set($a = [])#set($b = [$a])#set($x = $a.add($b))#set($c = [])#set($d = [$c])#set($x = $c.add($d))"
        MappingTemplateTests.expectFailure(.nestingTooDeep, twoCycles + "#if($a == $c)#end")
        let shallow = Self.limits { $0.maximumNestingDepth = 3 }
        #expect(try MappingTemplateTests.render("#if(true)#if(true)ok#end#end", limits: shallow) == "ok")
        MappingTemplateTests.expectFailure(.nestingTooDeep, "#if(true)#if(true)#if(true)deep#end#end#end", limits: shallow)
    }

    @Test("A body nesting deeper than the JSON limit fails when read, not before")
    func jsonDepth() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        MappingTemplateTests.expectFailure(.jsonTooDeep, "$input.json('$')", body: deep)
        MappingTemplateTests.expectFailure(.jsonTooDeep, "$input.path('$').size()", body: deep)
        #expect(try MappingTemplateTests.render("$input.body.length()", body: deep) == "200")
        let nested = "{\"a\":" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}"
        let eleven = Self.limits { $0.maximumJSONDepth = 11 }
        let array = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(try MappingTemplateTests.render("$input.json('$.a')", body: nested, limits: eleven) == array)
        let ten = Self.limits { $0.maximumJSONDepth = 10 }
        MappingTemplateTests.expectFailure(.jsonTooDeep, "$input.json('$.a')", body: nested, limits: ten)
        MappingTemplateTests.expectFailure(.jsonTooDeep, "$util.parseJson($input.body)", body: nested, limits: ten)
    }

    @Test("Work is bounded: steps, and catastrophic regular expressions")
    func operations() throws {
        let few = Self.limits { $0.maximumOperations = 10_000 }
        MappingTemplateTests.expectFailure(.tooManyOperations, "#foreach($a in [1..100])#foreach($b in [1..100])$a#end#end", limits: few)
        let redos = "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac')$s.matches('(a+)+b')"
        MappingTemplateTests.expectFailure(.tooManyOperations, redos, limits: Self.limits { $0.maximumOperations = 200_000 })
        MappingTemplateTests.expectFailure(.tooManyOperations, "$input.json('$..x')", body: Self.wideBody, limits: few)
    }

    static let wideBody = "[" + Array(repeating: #"{"a": [1, 2, 3]}"#, count: 3000).joined(separator: ",") + "]"

    @Test("Memory is bounded: strings, collections and ranges a template creates")
    func memory() throws {
        let tight = Self.limits { $0.maximumAllocatedBytes = 100_000 }
        let doubling = "#set($s = 'xxxxxxxxxx')#foreach($i in [1..30])#set($s = \"$s$s\")#end"
        MappingTemplateTests.expectFailure(.tooMuchMemory, doubling, limits: tight)
        let growing = "#set($l = [])#foreach($i in [1..1000])#foreach($j in [1..10])$l.add($j)#end#end"
        MappingTemplateTests.expectFailure(.tooMuchMemory, growing, limits: tight)
        MappingTemplateTests.expectFailure(.tooMuchMemory, "#set($r = [1..100000000])")
        MappingTemplateTests.expectFailure(.tooMuchMemory, "#set($r = [-9223372036854775807..9223372036854775807])")
        // A loop over a huge range builds nothing; only the iteration limit applies.
        #expect(try MappingTemplateTests.render("#foreach($i in [1..9223372036854775807])#end", limits: tight) == "")
    }

    @Test("A large body within API Gateway's payload quota renders within the default limits")
    func largeBody() throws {
        let item = #"{"id": 12345, "name": "a name with / and \" quotes", "tags": ["x", "y"], "price": 12.5}"#
        let body = "[" + Array(repeating: item, count: 20_000).joined(separator: ",") + "]"
        let passthrough = try MappingTemplateTests.render("$input.json('$')", body: body)
        #expect(passthrough.utf8.count > 1_500_000)
        let mapped = try MappingTemplateTests.render("#foreach($i in $input.path('$'))$i.id,#end", body: body)
        #expect(mapped.utf8.count == 1000 * 6)
        let escaped = try MappingTemplateTests.render("$util.escapeJavaScript($input.body).length()", body: body)
        #expect(Int(escaped) ?? 0 > body.utf8.count)
    }

    @Test("Oversized or deeply nested templates are refused when parsed")
    func parsing() {
        let large = String(repeating: "x", count: MappingTemplate.maximumSourceBytes + 1)
        #expect(Self.parseFailure(large) == .templateTooLarge)
        let parentheses = "#set($x = " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500) + ")"
        #expect(Self.parseFailure(parentheses) == .syntax)
        let blocks = String(repeating: "#if(true)", count: 200) + String(repeating: "#end", count: 200)
        #expect(Self.parseFailure(blocks) == .syntax)
        let lists = "#set($x = " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + ")"
        #expect(Self.parseFailure(lists) == .syntax)
        let nots = "#if(" + String(repeating: "!", count: 500) + "true)#end"
        #expect(Self.parseFailure(nots) == .syntax)
    }

    @Test("Hostile input never crashes the parser", arguments: [
        "$", "#", "\\", "$!", "${", "$!{", "#{", "#{if", "#set", "#set(", "#set($", "#set($a", "#set($a =", "$a.", "$a.b(", "$a[",
        "#foreach(", "#macro(", "\"", "'", "#if($a == 'x", "$a.b('x", "#[[", "#*", "##", "\\\\\\#", "\\$", "#@", "#{end}",
        "$a.b(1 2)", "$a..b", "#set($a = [1..])", "#set($a = {:})", "#set($a = 1..2)", "#set($a = .)", "#set($a = -)",
        "\u{0}$\u{0}#\u{0}", "#set($a = \"\\u12\")$a", "#set($a = \"\\uD800\")$a", "😀$😀#😀",
    ])
    func hostileInput(template: String) {
        do {
            let parsed = try MappingTemplate(template)
            _ = try parsed.render(MappingTemplateInput())
        } catch {
            #expect(error.code == .syntax || error.code == .evaluation, "\(template): \(error)")
        }
    }

    @Test("Cycles a template makes are released with the rendering")
    func releasesCycles() throws {
        weak var list: TemplateList?
        weak var map: TemplateMap?
        do {
            let template = try MappingTemplate("#set($a = [])#set($x = $a.add($a))#set($m = {})#set($x = $m.put('m', $m))done")
            var renderer = TemplateRenderer(template: template, input: MappingTemplateInput(), limits: MappingTemplateLimits())
            var output = TemplateOutput(limit: 100)
            _ = try renderer.render(template.nodes, into: &output)
            #expect(output.text == "done")
            if case .list(let made)? = renderer.variables["a"] { list = made }
            if case .map(let made)? = renderer.variables["m"] { map = made }
            #expect(list != nil && map != nil)
            renderer.release()
        }
        #expect(list == nil)
        #expect(map == nil)
    }
}
