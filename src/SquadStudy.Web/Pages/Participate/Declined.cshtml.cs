using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SquadStudy.Web.Pages.Participate;

public sealed class DeclinedModel : PageModel
{
    public void OnGet()
    {
    }
}
