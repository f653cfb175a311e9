using AngleSharp.Html.Parser;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Security;

public sealed class StudyMarkdownTests
{
    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](java&#x09;script:alert(1))")]
    [InlineData("[click]( vbscript:msgbox(1) )")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("![pic](javascript:alert(1))")]
    [InlineData("[click][ref]\n\n[ref]: javascript:alert(1)")]
    public void ToHtml_UnsafeLink_IsDefused(string markdown)
    {
        var document = new HtmlParser().ParseDocument(StudyMarkdown.ToHtml(markdown));

        var addresses = document.QuerySelectorAll("a[href], img[src]")
            .Select(e => e.GetAttribute("href") ?? e.GetAttribute("src")!).ToList();
        addresses.ShouldNotBeEmpty();
        addresses.ShouldAllBe(a => a == "#");
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("text <iframe src=\"https://evil.example\"></iframe>")]
    public void ToHtml_RawHtml_IsEscapedText(string markdown)
    {
        var document = new HtmlParser().ParseDocument(StudyMarkdown.ToHtml(markdown));

        document.Body!.QuerySelectorAll("script, img, a, iframe").ShouldBeEmpty();
        document.Body.TextContent.ShouldContain("<");
    }

    [Theory]
    [InlineData("[site](https://example.org/info?a=1)", "https://example.org/info?a=1")]
    [InlineData("[mail](mailto:lab@example.org)", "mailto:lab@example.org")]
    [InlineData("[page](/withdraw)", "/withdraw")]
    [InlineData("[anchor](#section)", "#section")]
    [InlineData("<https://example.org>", "https://example.org")]
    public void ToHtml_SafeLink_IsKept(string markdown, string href)
    {
        var document = new HtmlParser().ParseDocument(StudyMarkdown.ToHtml(markdown));

        document.QuerySelector("a")!.GetAttribute("href").ShouldBe(href);
    }
}
