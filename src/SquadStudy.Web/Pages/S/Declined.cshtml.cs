using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SquadStudy.Web.Pages.S;

public sealed class DeclinedModel : PageModel
{
    public void OnGet()
    {
    }
}
