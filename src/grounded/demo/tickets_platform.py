"""Ticket topics about the rest of the product: access, billing, setup, alerts, mobile."""

from grounded.demo.phrasebook import Topic

SSO = Topic(
    key="sso_login",
    weight=5.0,
    subjects=(
        "Can't log in with SSO",
        "{idp} login error",
        "SAML error after update",
        "Locked out",
        "Password reset not arriving",
        "SSO redirect loop",
        "2FA code not working",
    ),
    cores=(
        "Users can't sign in through {idp}, they get a SAML assertion error.",
        "After we changed our {idp} app, SSO sends people into a redirect loop.",
        "The password reset email never arrives, I've checked spam.",
        "I'm locked out after too many attempts, can you unlock my account?",
        "New users provisioned in {idp} don't get access to Fernhill automatically.",
        "Our two-factor codes are being rejected even though the clock is right.",
        "SSO works in {browser} but not in {browser}.",
        "we enabled SAML and now nobody on the team can log in",
        "How do I set up SSO with {idp}? The docs page seems out of date.",
    ),
    details=(
        "Affects {n} users.",
        "This is urgent, the whole team is blocked.",
        "We're on the {idp} side admin.",
        "Error ID attached.",
        "Worked yesterday.",
    ),
)

BILLING = Topic(
    key="billing",
    weight=4.5,
    segments=("SMB", "Mid-Market"),
    subjects=(
        "Invoice question",
        "Charged twice",
        "Update billing address",
        "VAT number on invoice",
        "Downgrade plan",
        "Seat count wrong",
        "Refund request",
        "Need a PO number on the invoice",
    ),
    cores=(
        "We were charged twice this month, can you refund one of the payments?",
        "Please add our VAT number to the invoice, finance needs it for reclaim.",
        "Our invoice shows {n} seats but we only have {n} active users.",
        "How do I downgrade from Business to Growth at renewal?",
        "Can you put our PO number on the invoice? Accounts payable won't pay without it.",
        "I need to update the billing address and the card on file.",
        "Why did our bill go up this month? Nothing changed on our side.",
        "can we switch to annual billing and get the discount",
        "Please send a copy of last year's invoices, our auditor asked.",
    ),
    details=(
        "Invoice number attached.",
        "Our finance contact is cc'd.",
        "We're a nonprofit, is there a discount?",
        "Renewal is next month.",
    ),
)

PERMISSIONS = Topic(
    key="sharing_permissions",
    weight=4.5,
    subjects=(
        "Can't share report with colleague",
        "Viewer can't see dashboard",
        "Permissions question",
        "Access denied",
        "Share link not working",
        "Restrict a dashboard to one team",
    ),
    cores=(
        "When I share the {report} with a colleague they get 'access denied'.",
        "Viewers can't see the {dashboard} dashboard even though I added them to the group.",
        "How do I restrict a dashboard so only the finance team can see it?",
        "The share link I send to {colleague} asks them to log in and then shows nothing.",
        "Can a viewer be allowed to export without being able to edit?",
        "We need row-level permissions so regional managers only see their region.",
        "I removed someone from the workspace but they can still open shared links.",
        "guest access for our agency, is that possible?",
    ),
    details=(
        "They are on the same domain.",
        "We have {n} groups set up.",
        "This worked before the redesign.",
        "Happens for every new user.",
    ),
)

SCHEDULED = Topic(
    key="scheduled_reports",
    weight=3.5,
    subjects=(
        "Scheduled email not sent",
        "Report email arrives at wrong time",
        "Scheduled report empty",
        "Subscription stopped working",
        "Email attachment missing",
    ),
    cores=(
        "The scheduled email for the {report} didn't go out this {day}.",
        "Our scheduled report arrives at 3am instead of 8am, probably a time zone issue.",
        "The scheduled PDF of the {dashboard} dashboard is blank.",
        "Subscriptions stopped sending after we renamed the dashboard.",
        "The scheduled email has a link but no attachment anymore.",
        "Can I schedule the {report} to go to people outside our company?",
        "scheduled report goes to my old email address and I can't change it",
    ),
    details=(
        "It's scheduled for {n} recipients.",
        "Checked spam already.",
        "Used to work fine.",
    ),
)

CHARTS = Topic(
    key="chart_formatting",
    weight=3.5,
    subjects=(
        "Change chart colours",
        "Axis labels overlapping",
        "Stacked bar option?",
        "Chart legend cut off",
        "Number format on chart",
        "Custom colours for brand",
    ),
    cores=(
        "Is there a way to set our brand colours on charts?",
        "The x-axis labels overlap on the {dashboard} dashboard when there are many dates.",
        "How do I make a stacked bar chart instead of grouped?",
        "The legend gets cut off when the chart is small.",
        "Can values show as 1.2M instead of 1200000 on the chart?",
        "The pie chart puts tiny slices on top of each other and you can't read them.",
        "i want a dual axis chart, revenue and count together",
    ),
    details=("For a board presentation.", "Screenshot attached.", "Same in {browser}."),
)

API = Topic(
    key="api_limits",
    weight=3.0,
    segments=("Mid-Market", "Enterprise"),
    subjects=(
        "API rate limit",
        "429 errors from API",
        "API token expired",
        "API pagination question",
        "Webhook not firing",
    ),
    cores=(
        "We're getting 429 Too Many Requests from the API when our nightly job runs.",
        "Our API token stopped working, did tokens start expiring?",
        "The API returns the same page twice when paginating through reports.",
        "What is the rate limit on the query endpoint? We need to pull {n}k rows an hour.",
        "The webhook for report updates doesn't fire anymore.",
        "api docs say cursor pagination but the response has no cursor",
    ),
    details=("Our integration runs every {n} minutes.", "Request IDs attached.", "We're on the Enterprise plan."),
)

ONBOARDING = Topic(
    key="onboarding_setup",
    weight=4.0,
    trend=0.3,
    segments=("SMB", "Mid-Market"),
    subjects=(
        "How do I get started",
        "First dashboard setup",
        "Connecting our data",
        "Trial question",
        "Setup help",
        "Where do I invite my team",
    ),
    cores=(
        "We just signed up, what's the fastest way to get our {connector} data in and build a first dashboard?",
        "I'm new to Fernhill and can't figure out where to create a report.",
        "How do I invite my team? I don't see the option.",
        "Is there a template for a sales dashboard we can start from?",
        "The setup wizard got stuck on the connector step.",
        "Can someone walk us through the basics? We're a small team.",
        "during the trial can we connect more than one data source",
    ),
    details=("We're a team of {n}.", "Trial ends next week.", "We come from spreadsheets."),
)

TIMEZONE = Topic(
    key="timezone_dates",
    weight=3.0,
    subjects=("Dates off by one day", "Time zone wrong", "Week starts on Sunday?", "Fiscal year setting"),
    cores=(
        "Orders placed late in the evening show up on the next day in the {report}.",
        "Our week starts on Monday but the weekly charts group from Sunday.",
        "How do I set our fiscal year to start in April?",
        "The dashboard shows times in UTC, we need them in our local time zone.",
        "Daylight saving change shifted all our hourly numbers by one hour.",
    ),
    details=("We're in Sydney.", "Affects the {report}.", "Account time zone is set correctly."),
)

MOBILE = Topic(
    key="mobile_app",
    weight=2.0,
    subjects=("Mobile app crashes", "Dashboard unreadable on phone", "iPad layout broken", "App login loop"),
    cores=(
        "The iOS app crashes when I open the {dashboard} dashboard.",
        "On my phone the charts are squeezed and unreadable.",
        "The iPad layout cuts off the right side of every report.",
        "The Android app keeps asking me to log in again.",
    ),
    details=("iOS 19.", "Pixel phone.", "Latest app version."),
)

PRIVACY = Topic(
    key="privacy_requests",
    weight=2.0,
    subjects=("GDPR deletion request", "Data processing agreement", "Where is our data stored", "Delete a user's data"),
    cores=(
        "A former employee asked us to delete their personal data, how do we do that in Fernhill?",
        "Can you send us your data processing agreement and list of subprocessors?",
        "Is our data stored in the EU? Our legal team needs to confirm.",
        "We need an audit log of who viewed customer data for our compliance review.",
    ),
    details=("Our DPO is cc'd.", "Deadline is end of month.", "For our SOC 2 audit."),
)

ALERTS = Topic(
    key="alerts",
    weight=2.5,
    subjects=("Alert didn't fire", "Too many alert emails", "Threshold alert question", "Slack alerts stopped"),
    cores=(
        "Our revenue drop alert didn't trigger even though revenue fell {n}% yesterday.",
        "We get dozens of alert emails a day, can they be batched?",
        "Can an alert fire when a metric is below a threshold for {n} days in a row?",
        "Alerts to our Slack channel stopped arriving.",
    ),
    details=("Threshold is set to {n}%.", "Slack integration shows connected.", "Happened twice this month."),
)

OFF_TOPIC = (
    "Thanks, that fixed it!",
    "Out of office: I'm away until Monday with limited access to email.",
    "Please remove me from this mailing list.",
    "Wrong address, sorry, this was meant for our IT team.",
    "Do you have any job openings in your support team?",
    "Can I get a copy of the Fernhill logo for our intranet?",
    "Great webinar yesterday, will the recording be shared?",
    "Hi, just checking this ticket is still open?",
    "Closing this, we sorted it internally.",
    "Is there a discount for nonprofits?",
    "Automatic reply: thank you for your message.",
    "Who is our account manager now?",
    "Can you recommend a consultant to help us build dashboards?",
    "test",
    "asdf",
    "Are you attending the analytics summit in Berlin?",
    "Merry Christmas to the support team!",
)
