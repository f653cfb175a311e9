using AngleSharp.Html.Parser;
using SquadStudy.Data.Entities;
using SquadStudy.Data;

namespace SquadStudy.Web.Tests.Research;

/// <summary>
/// A method stored under a canonical name with parameters (issue 13), commas and '=' included, is
/// listed by the gallery's method filter and selects its explanations through the query string.
/// </summary>
public sealed class GalleryMethodNameTests : IAsyncLifetime
{
    private const string Parametrised = "smoothgrad(n=8,sigma=0.2)";

    private readonly ResearchSiteFactory _factory = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var seeded = await ResearchSeed.StudyAsync(_factory, "params");
        var png = new ContentStore(_factory.DataDirectory).Put("another png"u8, "png");
        await _factory.WithDbAsync(async db =>
        {
            db.Explanations.Add(new Explanation
            {
                StudyId = seeded.StudyId, ImageId = seeded.Image2Id, ModelId = seeded.VggId, Method = Parametrised, ClassIndex = 1,
                PngPath = png, Sha256 = new string('9', 64), CreatedUtc = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        });
        _client = await _factory.SignedInClientAsync();
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Gallery_FiltersByAParametrisedMethodName()
    {
        var all = new HtmlParser().ParseDocument(await _client.GetStringAsync("/research/studies/params/gallery"));
        all.QuerySelectorAll("#method option").Select(o => o.GetAttribute("value")).ShouldContain(Parametrised);

        var query = "?method=" + Uri.EscapeDataString(Parametrised);
        var filtered = new HtmlParser().ParseDocument(await _client.GetStringAsync($"/research/studies/params/gallery{query}"));

        var card = filtered.QuerySelectorAll("figure").ShouldHaveSingleItem();
        card.TextContent.ShouldContain("scene_0002");
        card.TextContent.ShouldContain(Parametrised);
        filtered.QuerySelector("#method option[selected]")!.GetAttribute("value").ShouldBe(Parametrised);
    }
}
