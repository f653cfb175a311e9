using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

/// <summary>The studies list and the "New study" form (a .zip upload or a folder on the server).</summary>
[RequestSizeLimit(MaxPackBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxPackBytes)]
public sealed class IndexModel(ResearchStudies studies) : PageModel
{
    /// <summary>Packs carry ONNX models; 2 GiB covers several VGG-16-sized ones.</summary>
    public const long MaxPackBytes = 2L * 1024 * 1024 * 1024;

    public IReadOnlyList<StudyListItem> Studies { get; private set; } = [];

    /// <summary>False when no study-pack importer is registered in this build.</summary>
    public bool ImportAvailable { get; private set; }

    [BindProperty]
    [Display(Name = "Study pack (.zip)")]
    public IFormFile? Pack { get; set; }

    [BindProperty]
    [Display(Name = "Pack folder on the server")]
    public string? Folder { get; set; }

    public IReadOnlyList<string> ImportErrors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostUploadAsync(CancellationToken cancellationToken)
    {
        if (Pack is null || Pack.Length == 0)
        {
            ModelState.AddModelError(nameof(Pack), "Choose a study pack (.zip) to upload.");
        }
        else if (!Pack.FileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            ModelState.AddModelError(nameof(Pack), $"'{Pack.FileName}' is not a .zip file.");
        }
        if (!ModelState.IsValid || Importer() is not { } importer)
        {
            return await PageWithErrorsAsync(cancellationToken);
        }
        await using var stream = Pack!.OpenReadStream();
        return await FinishAsync(await importer.ImportZipAsync(stream, cancellationToken), cancellationToken);
    }

    public async Task<IActionResult> OnPostFolderAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Folder))
        {
            ModelState.AddModelError(nameof(Folder), "Give the path of a study-pack folder on the server.");
        }
        if (!ModelState.IsValid || Importer() is not { } importer)
        {
            return await PageWithErrorsAsync(cancellationToken);
        }
        return await FinishAsync(await importer.ImportFolderAsync(Folder!.Trim(), cancellationToken), cancellationToken);
    }

    private IStudyImporter? Importer()
    {
        var importer = HttpContext.RequestServices.GetService<IStudyImporter>();
        if (importer is null)
        {
            ModelState.AddModelError(string.Empty, "Study-pack import is not available in this build: no importer is registered.");
        }
        return importer;
    }

    private async Task<IActionResult> FinishAsync(StudyImportResult result, CancellationToken cancellationToken)
    {
        if (result.Succeeded)
        {
            TempData["Message"] = $"Imported study '{result.Slug}'; its explanations are being precomputed.";
            return RedirectToPage("/Research/Dashboard", new { slug = result.Slug });
        }
        ImportErrors = result.Errors.Count > 0 ? result.Errors : ["The import failed without a reason."];
        return await PageWithErrorsAsync(cancellationToken);
    }

    private async Task<IActionResult> PageWithErrorsAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Studies = await studies.ListAsync(cancellationToken);
        ImportAvailable = HttpContext.RequestServices.GetService<IStudyImporter>() is not null;
    }
}
