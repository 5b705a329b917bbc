"""A realistic demo action plan for Northshire 2024-25: a few dozen actions across the themes.

Each row: (theme index, title, owner key, lead role, months from today to the due date, status,
indicators as "SCW2 adults" etc., success measure, progress notes as (days ago, note, status)).
Due dates are relative to the day the demo is loaded, so some are always overdue.
"""

from __future__ import annotations

OWNERS = {
    "lead": "edi.lead@northshire.example.org",
    "owner": "owner@northshire.example.org",
    "hr": "hr.lead@northshire.example.org",
    "psw": "psw@northshire.example.org",
    "sponsor": "sponsor@northshire.example.org",
}

# theme, title, owner, lead role, months to the due date, status, indicators, success measure,
# progress notes (days ago, note, new status)
ACTIONS: list[tuple[int, str, str, str, int, str, list[str], str, list[tuple[int, str, str | None]]]] = [
    (0, "Name a lead for inclusion on the leadership team", "sponsor", "Director of Adult Social Services", -4, "complete", [], "Lead named and reporting quarterly", [(130, "Assistant Director named as inclusion lead", "complete")]),
    (0, "Quarterly SC-WRES progress report to the leadership team", "lead", "EDI lead", 3, "on_track", ["SCW9 all"], "Four reports a year", [(20, "Q2 report presented; next due in January", "on_track")]),
    (0, "Publish the SC-WRES report and action plan on the intranet", "lead", "EDI lead", -1, "on_track", [], "Report published", [(75, "Draft written; waiting for comms", None)]),
    (0, "Add race equality objectives to directors' appraisals", "sponsor", "Director of Children's Services", 5, "not_started", ["SCW9 all"], "Every director has an objective", []),
    (1, "Improve ethnicity declaration in the HR system", "hr", "Head of HR", 2, "on_track", ["SCW1 all"], "Declaration of 98% or more", [(40, "Self-service prompt added to the HR portal", "on_track")]),
    (1, "Record ethnicity on every recruitment application", "hr", "Recruitment manager", -2, "at_risk", ["SCW2 all"], "No blank ethnicity in applicant records", [(70, "New system field delayed by the supplier", "at_risk")]),
    (1, "Split the staff survey results by service area", "owner", "Workforce development manager", 4, "not_started", ["SCW6 all", "SCW7a all"], "Survey results for adults and children", []),
    (1, "Check leavers' data against exit interviews", "hr", "HR business partner", 6, "not_started", ["SCW8 all"], "Reasons for leaving known by ethnicity", []),
    (2, "Anonymous shortlisting for all social work posts", "hr", "Recruitment manager", 1, "on_track", ["SCW2 adults", "SCW2 children"], "RL of appointment within 0.80 to 1.25", [(30, "Pilot in adults' teams complete; rolling out to children's", "on_track")]),
    (2, "Diverse interview panels for posts at team manager and above", "hr", "Head of HR", -3, "off_track", ["SCW2 all", "SCW9 all"], "Every panel has a global majority member", [(95, "Not enough trained panel members", "off_track")]),
    (2, "Anti-bias training for recruiting managers", "owner", "Workforce development manager", 2, "on_track", ["SCW2 all"], "90% of recruiting managers trained", [(15, "64% trained so far", "on_track")]),
    (2, "Target adverts at local global majority communities", "hr", "Recruitment manager", -5, "complete", ["SCW2 all"], "Applications from global majority candidates up", [(160, "Campaign ran with two community radio stations", "complete")]),
    (3, "Reverse mentoring for the senior leadership team", "sponsor", "Director of Adult Social Services", 3, "on_track", ["SCW9 all"], "Every senior leader has a mentor", [(25, "Eight pairs matched", "on_track")]),
    (3, "Aspiring managers programme across adults' and children's services", "owner", "Workforce development manager", 7, "on_track", ["SCW9 adults", "SCW9 children", "SCW5 all"], "Half of participants promoted within a year", [(50, "First cohort of 16 started; 9 global majority", "on_track")]),
    (3, "Mandatory EDI training for all managers", "owner", "Workforce development manager", -2, "at_risk", ["SCW7b all", "SCW3 all"], "100% of managers trained", [(35, "78% trained; reminders sent", "at_risk")]),
    (3, "Coaching offer for global majority staff seeking promotion", "psw", "Principal Social Worker", 8, "not_started", ["SCW9 all", "SCW1 all"], "30 staff coached", []),
    (4, "Set up a staff allyship network", "lead", "EDI lead", -6, "complete", ["SCW7a all"], "Network launched with a senior sponsor", [(200, "Network launched with 60 members", "complete")]),
    (4, "Listening circles for global majority staff", "psw", "Principal Social Worker", 2, "on_track", ["SCW6 all", "SCW7a all", "SCW7b all"], "Monthly circles held; themes reported", [(10, "Fourth circle held; themes shared with DMT", "on_track")]),
    (4, "Anti-racism practice framework for social work", "psw", "Principal Social Worker", 5, "on_track", ["SCW3 children"], "Framework adopted in supervision", [(45, "Consultation with practitioners complete", "on_track")]),
    (4, "Race equality learning sessions in team meetings", "owner", "Workforce development manager", -1, "not_started", [], "Every team holds a session", []),
    (5, "Check every case before the formal disciplinary process", "hr", "Head of HR", 1, "on_track", ["SCW3 adults", "SCW3 children"], "RL of formal disciplinary within 0.80 to 1.25", [(28, "Checkpoint panel in place since September", "on_track")]),
    (5, "Review fitness-to-practise referrals for fairness", "psw", "Principal Social Worker", -2, "at_risk", ["SCW4 all"], "Every referral reviewed before it is made", [(80, "Two referrals reviewed; process not yet written", "at_risk")]),
    (5, "Train investigating officers in fair investigation", "hr", "HR business partner", 4, "not_started", ["SCW3 all"], "All investigating officers trained", []),
    (5, "Annual audit of disciplinary outcomes by ethnicity", "hr", "Head of HR", 9, "not_started", ["SCW3 all"], "Audit reported to the leadership team", []),
    (6, "Zero-tolerance policy on abuse from the public", "sponsor", "Director of Adult Social Services", -3, "complete", ["SCW6 adults"], "Policy published and posters in every office", [(110, "Policy approved and published", "complete")]),
    (6, "Freedom to speak up guardian with a diversity focus", "lead", "EDI lead", 2, "on_track", ["SCW7a all", "SCW7b all"], "Concerns raised and resolved", [(18, "Guardian appointed; first concerns received", "on_track")]),
    (6, "Simple reporting of racist incidents from the public", "owner", "Workforce development manager", -1, "off_track", ["SCW6 all"], "Incidents reported monthly", [(90, "Form built but not yet launched", "off_track")]),
    (6, "Support for staff after racist abuse", "psw", "Principal Social Worker", 6, "not_started", ["SCW6 children"], "Every reported incident followed up within a week", []),
    (6, "Managers' guide to responding to bullying between colleagues", "owner", "Workforce development manager", 3, "cancelled", ["SCW7a all"], "Guide published", [(60, "Replaced by the mandatory EDI training content", "cancelled")]),
]
