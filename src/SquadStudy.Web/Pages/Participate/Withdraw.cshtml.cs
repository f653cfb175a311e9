using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary><c>/withdraw</c>: anyone with a withdrawal code deletes that participant's data, at any later time.</summary>
public sealed class WithdrawModel(ParticipationService service, IStringLocalizer<ParticipantText> text) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Please enter your withdrawal code.")]
    [Display(Name = "Withdrawal code")]
    public string? Code { get; set; }

    /// <summary>Set once a valid code was entered: the confirmation step.</summary>
    public string? StudyTitle { get; private set; }
    public int AnswerCount { get; private set; }

    public void OnGet()
    {
    }

    /// <summary>Step 1: check the code and ask for confirmation.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var found = await FindAsync(cancellationToken);
        if (found is null)
        {
            return Page();
        }
        (_, StudyTitle, AnswerCount) = found.Value;
        return Page();
    }

    /// <summary>Step 2: delete.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken)
    {
        var found = await FindAsync(cancellationToken);
        if (found is null)
        {
            return Page();
        }
        await service.WithdrawAsync(found.Value.ParticipantId, cancellationToken);
        return RedirectToPage("/Participate/Withdrawn");
    }

    private async Task<(long ParticipantId, string StudyTitle, int Answers)?> FindAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return null;
        }
        var normalized = Secrets.NormalizeWithdrawalCode(Code);
        var found = normalized is null ? null : await service.FindByWithdrawalCodeAsync(normalized, cancellationToken);
        if (found is null)
        {
            ModelState.AddModelError(nameof(Code), text["No participation has this withdrawal code. Please check it (it has 26 letters and digits), or it was withdrawn already."]);
        }
        return found;
    }
}
