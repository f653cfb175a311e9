using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

/// <summary>Every precomputed explanation, filterable by wrong predictions, class, method and model, paginated.</summary>
public sealed class GalleryModel(StudyGallery gallery) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Slug { get; set; } = "";

    [BindProperty(SupportsGet = true, Name = "wrong")]
    public bool WrongOnly { get; set; }

    [BindProperty(SupportsGet = true, Name = "class")]
    public int? Class { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Method { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Model { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public GalleryPage Result { get; private set; } = null!;

    public Dictionary<string, string> PreviousRoute => FilterRoute(Result.Page - 1);

    public Dictionary<string, string> NextRoute => FilterRoute(Result.Page + 1);

    /// <summary>Route values of the current filter, for the pagination links.</summary>
    private Dictionary<string, string> FilterRoute(int page)
    {
        var route = new Dictionary<string, string> { ["slug"] = Slug, ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (WrongOnly)
        {
            route["wrong"] = "true";
        }
        if (Class is { } c)
        {
            route["class"] = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!string.IsNullOrEmpty(Method))
        {
            route["method"] = Method;
        }
        if (!string.IsNullOrEmpty(Model))
        {
            route["model"] = Model;
        }
        return route;
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var page = await gallery.PageAsync(Slug, new GalleryFilter(WrongOnly, Class, Method, Model, PageNumber), cancellationToken);
        if (page is null)
        {
            return NotFound();
        }
        Result = page;
        return Page();
    }
}
