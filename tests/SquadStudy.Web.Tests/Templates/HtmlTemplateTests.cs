using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Html;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Templates;

namespace SquadStudy.Web.Tests.Templates;

public sealed class HtmlTemplateTests
{
    /// <summary>Calls the write methods as the Razor SDK's generated <c>ExecuteAsync</c> does.</summary>
    private sealed class Calls(Action<Calls> body) : HtmlTemplate<string>
    {
        public override Task ExecuteAsync()
        {
            body(this);
            return Task.CompletedTask;
        }

        // One attribute with a single value: <input checked="@value" />
        public void SingleValueAttribute(string name, object? value)
        {
            BeginWriteAttribute(name, $" {name}=\"", 0, "\"", 0, 1);
            WriteAttributeValue("", 0, value, 0, 0, isLiteral: false);
            EndWriteAttribute();
        }

        // class="x @a @b": a literal and two expressions, each after a space.
        public void ClassAttribute(object? first, object? second)
        {
            BeginWriteAttribute("class", " class=\"", 0, "\"", 0, 3);
            WriteAttributeValue("", 0, "x", 0, 1, isLiteral: true);
            WriteAttributeValue(" ", 0, first, 0, 0, isLiteral: false);
            WriteAttributeValue(" ", 0, second, 0, 0, isLiteral: false);
            EndWriteAttribute();
        }

        public new void WriteLiteral(string literal) => base.WriteLiteral(literal);

        public new void Write(object? value) => base.Write(value);

        public void WriteNumber(int value) => Write(value);
    }

    private sealed class Awaits() : HtmlTemplate<string>
    {
        // Waits for something that never happens, so it is certainly still running when checked.
        public override async Task ExecuteAsync() => await new TaskCompletionSource().Task;
    }

    private static string Render(IHtmlContent content)
    {
        using var writer = new StringWriter();
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }

    private static string Render(Action<Calls> body) => Render(new Calls(body) { Model = "" });

    [Fact]
    public void Expressions_AreHtmlEncoded_LiteralsAndHtmlContentAreNot()
    {
        Render(t =>
        {
            t.WriteLiteral("<p>");
            t.Write("<script>alert('x') & \"y\"</script>");
            t.Write(new HtmlString("<b>kept</b>"));
            t.Write(null);
            t.WriteNumber(-42);
            t.WriteLiteral("</p>");
        }).ShouldBe("<p>&lt;script&gt;alert(&#x27;x&#x27;) &amp; &quot;y&quot;&lt;/script&gt;<b>kept</b>-42</p>");
    }

    [Theory]
    [InlineData(null, "<input />")]
    [InlineData(false, "<input />")]
    [InlineData(true, "<input checked=\"checked\" />")]
    [InlineData("a\"b", "<input checked=\"a&quot;b\" />")]
    [InlineData(7, "<input checked=\"7\" />")]
    public void SingleValueAttribute_FollowsRazor_NullAndFalseOmitIt_TrueWritesItsName(object? value, string expected) =>
        Render(t =>
        {
            t.WriteLiteral("<input");
            t.SingleValueAttribute("checked", value);
            t.WriteLiteral(" />");
        }).ShouldBe(expected);

    [Theory]
    [InlineData("a", "b", "<p class=\"x a b\">")]
    [InlineData(null, "b", "<p class=\"x b\">")]
    [InlineData(null, null, "<p class=\"x\">")]
    [InlineData("<", false, "<p class=\"x &lt; False\">")]
    public void AttributeOfSeveralValues_IsAlwaysWritten_NullValuesDropWithTheirSpace(object? first, object? second, string expected) =>
        Render(t =>
        {
            t.WriteLiteral("<p");
            t.ClassAttribute(first, second);
            t.WriteLiteral(">");
        }).ShouldBe(expected);

    [Fact]
    public void TemplateThatAwaits_IsRefused()
    {
        Should.Throw<InvalidOperationException>(() => Render(new Awaits { Model = "" })).Message.ShouldContain("synchronously");
    }

    private static string WriteThroughPipe(params string[] pieces)
    {
        var pipe = new Pipe();
        var writer = new Utf8PipeTextWriter(pipe.Writer);
        foreach (var piece in pieces)
        {
            writer.Write(piece);
        }
        writer.Flush();
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var result).ShouldBeTrue();
        return Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(result.Buffer));
    }

    [Fact]
    public void Utf8PipeTextWriter_EncodesNonAscii_AndASurrogatePairSplitAcrossWrites()
    {
        var text = "Zoë 🐱 ok";
        var split = text.IndexOf("🐱", StringComparison.Ordinal) + 1; // between the two halves of the pair
        WriteThroughPipe(text[..split], text[split..]).ShouldBe(text);
        WriteThroughPipe(text[..split], "", text[split..]).ShouldBe(text);
    }

    [Fact]
    public void Utf8PipeTextWriter_WritesALoneSurrogateAsReplacementCharacter()
    {
        WriteThroughPipe("a\uD83D", "b").ShouldBe("a\uFFFDb");
        WriteThroughPipe("a\uD83D").ShouldBe("a\uFFFD");
    }

    [Fact]
    public void Utf8PipeTextWriter_WritesTextLongerThanItsBlocks_WithPairsAcrossBlockEdges()
    {
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => i % 7 == 0 ? "🐱" : i % 5 == 0 ? "é" : "x"));
        WriteThroughPipe(text).ShouldBe(text);
        WriteThroughPipe(text[..4001], text[4001..]).ShouldBe(text);
    }

    [Fact]
    public void QuestionForm_EncodesStudyText_AndCarriesPositionActionAndToken()
    {
        var view = new QuestionView(3, 10, "discrimination", "Which class? <i>",
            [new QuestionImage("Model \"A\"", "/media/a.png")], [new QuestionOption("cat", "Cat & co"), new QuestionOption("dog", "Dog")]);
        var html = Render(ParticipantTemplates.QuestionForm(new QuestionForm(view, "Pick one", "/s/x/q", new AntiforgeryTokenSet("tok+/=", "cookie", "__RequestVerificationToken", null))));

        html.ShouldContain("Question 4 of 10");
        html.ShouldContain("<legend class=\"h5 mb-3\" id=\"question-prompt\">Which class? &lt;i&gt;</legend>");
        html.ShouldContain("<form method=\"post\" action=\"/s/x/q\" id=\"question-form\">");
        html.ShouldContain("<input type=\"hidden\" name=\"Position\" value=\"3\" />");
        html.ShouldContain("<input name=\"__RequestVerificationToken\" type=\"hidden\" value=\"tok&#x2B;/=\" />");
        html.ShouldContain("alt=\"Model &quot;A&quot;: explanation image\"");
        html.ShouldContain("Cat &amp; co");
        html.ShouldContain("style=\"width: 30%\"");
        html.ShouldContain("<div class=\"alert alert-danger\" role=\"alert\" id=\"choice-error\">Pick one</div>");
        html.ShouldContain("<div class=\"row g-2 mb-3 row-cols-1\">");
    }
}
