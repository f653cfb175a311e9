using System.Net;
using AngleSharp.Html.Parser;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Tests.Research;

public sealed class GalleryTests(GalleryTests.Site site) : IClassFixture<GalleryTests.Site>
{
    public sealed class Site : IAsyncLifetime
    {
        public ResearchSiteFactory Factory { get; } = new();

        public HttpClient Client { get; private set; } = null!;

        public SeededStudy Seeded { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Seeded = await ResearchSeed.StudyAsync(Factory, "demo");
            Client = await Factory.SignedInClientAsync();
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    private async Task<AngleSharp.Html.Dom.IHtmlDocument> PageAsync(string query = "")
    {
        var html = await site.Client.GetStringAsync($"/research/studies/demo/gallery{query}");
        return new HtmlParser().ParseDocument(html);
    }

    [Fact]
    public async Task Gallery_ShowsEveryExplanationWithBoxes()
    {
        var document = await PageAsync();
        var cards = document.QuerySelectorAll("figure");
        cards.Length.ShouldBe(3);
        var first = cards.First(c => c.TextContent.Contains("scene_0001") && c.TextContent.Contains("vgg"));
        // Ground truth drawn on the image and on the explanation; the localisation box from the metrics once.
        first.QuerySelectorAll(".gallery-box-truth").Length.ShouldBe(4);
        var predicted = first.QuerySelectorAll(".gallery-box-predicted").Single();
        predicted.GetAttribute("style").ShouldBe("left:0%;top:0%;width:25%;height:100%");
        first.QuerySelector(".gallery-box-truth")!.GetAttribute("style").ShouldBe("left:0%;top:0%;width:50%;height:50%");
        first.QuerySelector($"img[src='/research/studies/demo/files/explanation/{site.Seeded.ExplanationId}']").ShouldNotBeNull();
    }

    [Fact]
    public async Task Gallery_WrongOnly_ShowsOnlyWrongPredictions()
    {
        var cards = (await PageAsync("?wrong=true")).QuerySelectorAll("figure");
        cards.Length.ShouldBe(1);
        cards[0].TextContent.ShouldContain("weak");
        cards[0].TextContent.ShouldContain("predicted bird");
    }

    [Theory]
    [InlineData("?method=squadcam", 1)]
    [InlineData("?model=weak", 1)]
    [InlineData("?model=vgg", 2)]
    [InlineData("?class=1", 1)]
    [InlineData("?class=0&model=vgg&method=gradcam", 1)]
    [InlineData("?method=nothing", 0)]
    public async Task Gallery_Filters(string query, int expected)
    {
        (await PageAsync(query)).QuerySelectorAll("figure").Length.ShouldBe(expected);
    }

    [Fact]
    public async Task Gallery_ServesTheStoredImage()
    {
        var response = await site.Client.GetAsync($"/research/studies/demo/files/image/{site.Seeded.Image1Id}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        (await response.Content.ReadAsStringAsync()).ShouldBe("not really a png");
        (await site.Client.GetAsync("/research/studies/other/files/image/1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Regression: precompute stores the localisation box as <c>"localisationBox":[x0,y0,x1,y1]</c>
    /// (0-based inclusive pixels, ExplanationMetrics in camelCase); the gallery once looked for an
    /// object with xmin…ymax and so never drew a predicted box.
    /// </summary>
    [Fact]
    public void PredictedBox_ReadsTheMetricsAsPrecomputeStoresThem()
    {
        var image = new StudyImage { Stem = "s", FilePath = "x", Sha256 = "x", Width = 200, Height = 100, BoxesJson = "[]" };
        const string stored = """{"localisationBox":[50,25,149,74],"localisationIou":0.61,"localisationCorrect":true,"pointingHit":true,"score":0.9,"maskedScore":0.7,"topRemovedScore":0.3}""";

        var box = StudyGallery.ReadPredictedBox(stored, image, "dog").ShouldNotBeNull();

        box.Style.ShouldBe("left:25%;top:25%;width:50%;height:50%");
        box.Label.ShouldBe("dog");
        StudyGallery.ReadPredictedBox("""{"localisationBox":null,"score":0.9}""", image, "dog").ShouldBeNull();
    }

    [Fact]
    public void GroundTruth_MalformedBoxesJson_NamesTheImage()
    {
        var image = new StudyImage { Stem = "broken", FilePath = "x", Sha256 = "x", Width = 10, Height = 10, BoxesJson = "{}" };
        Should.Throw<InvalidOperationException>(() => StudyGallery.ReadGroundTruth(image, i => "c")).Message.ShouldContain("broken");
    }
}
