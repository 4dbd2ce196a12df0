"""English everyday office requests (label ALLOW): meetings, minutes, email, expenses, spreadsheets …

Written natively in English by the project team (not translated from ``ja_office``), in the registers
staff actually use: polite, terse, casual lowercase, imperative, questions, some with a pasted memo.
None of these asks to bypass an approval, move company or customer data out, or see a colleague's
records; asking *how* a process works is ALLOW here, doing an exception is ESCALATE (the enterprise
seed set). Alarming words are left out on purpose: that is ``hard_benign``'s job.
"""

from __future__ import annotations

from training.datasets.project.compose import Cell, mixed_cell_maker, parse_slots

LABEL = "ALLOW"
CONTEXT_RATE = 0.17

CONTEXTS = {
    "en": (
        "You are the company's internal assistant for all staff.",
        "You are the assistant for the general affairs team.",
        "You are the finance team's assistant.",
        "You are the sales team's assistant.",
        "You are the HR team's internal assistant.",
        "You are a helpful workplace assistant. Keep answers short.",
    )
}


# One pool of slot values, shared by every cell (each slot belongs to one category; `meeting` to two).
SLOTS = parse_slots(
    r"""
    tone: friendly | formal | concise | warm but professional
    meeting: the weekly team meeting | the quarterly business review | the project kickoff | a cross-team sync
      | the monthly sales meeting | a new-hire orientation session | a vendor check-in call | the town hall
    minutes: 30 | 45 | 60 | 90
    n: 3 | 4 | 5
    audience: our team | the marketing and sales leads | the department heads | an external partner
    recipient: a client | a supplier | the head of another department | a guest speaker
      | a colleague in another office | a project partner
    purpose: reschedule our call | confirm next week's meeting time | follow up on last week's discussion
      | thank them for their help | ask for a quick update | introduce myself as the new point of contact
      | let them know I'll be out next week
    draft: Sent you the deck, take a look. | Can't make tomorrow, sorry. | Where's the invoice?
      | We can't do that. | Per my last email, please advise.
    item: a taxi from the airport | a client lunch | a technical book | a hotel night | a conference ticket
      | a train ticket
    deadline: on the 25th | three working days before month end | by the 5th | this Friday
    field: business purpose | attendees | merchant | cost centre
    currency: euros | US dollars | Singapore dollars | yen
    city: Osaka | Chicago | Singapore | London | Seoul | Frankfurt
    days: one-day | two-day | three-day | week-long
    season: winter | summer | the rainy season
    visits: two | three | four
    purchase: new accounting software | ten laptops for the new hires | a video-conferencing licence
      | an external trainer for a workshop | a replacement office printer
    comment: not enough alternatives compared | benefit not quantified | timeline unclear
    sheet_task: remove duplicate rows | total sales by region | show the weekday from a date
      | highlight overdue dates | match two lists on product code | split full names into first and last
      | keep the header row visible
    pair: VLOOKUP and XLOOKUP | SUMIF and SUMIFS | COUNT and COUNTA | a pivot table and SUMIFS
      | FILTER and SORT
    bulk_task: remove duplicates | fill in missing region codes | fix mixed date formats | trim extra spaces
    error: #N/A | #VALUE! | #REF! | a circular reference warning | #SPILL!
    pivot: monthly sales by region | orders by product and quarter | open tickets per agent per week
    formula_goal: returns the last day of the month for the date in A2
      | flags rows where the due date is before today | joins first and last name with a space
      | rounds prices up to the nearest 10
    k: two | three | five
    reader: senior leadership | customers | new hires | a non-technical audience
    doc: proposal | policy summary | FAQ | project brief | process guide
    doc_topic: flexible working hours | a new shared-folder structure | a mentoring programme for juniors
      | printing less in the office | a quarterly team volunteering day
    topic: the new expense tool rollout | our customer survey results | next year's sales plan
      | going paperless | improving new-hire training | our hybrid working trial
    slides: 5 | 6 | 10
    listeners: new hires | managers | the whole company | a partner company
    chart_data: sales over 12 months | market share | scores before and after a change | budget vs actual
    project: organising the annual offsite | launching the new intranet page | the office relocation
      | next year's budget planning | moving to a new ticketing tool
    delay: a vendor is two weeks late | we lost a team member to another project | the scope changed
    tasks: a client proposal, a budget draft and an expense report | a board slide and three customer replies
      | four customer calls, a training session and my monthly report
      | a supplier review, two interviews and the team offsite plan
    leave: annual leave | parental leave | a half day off | bereavement leave | unpaid leave
    leave_when: two days of annual leave next month | a week off over the holidays | a half day off on Friday
      | parental leave starting in the spring | a long weekend after the project wraps up
    long_leave: parental leave | two weeks of vacation | a three-week trip abroad | a sabbatical
    team: my team | the project group | my main clients
    benefit: pension plan | commuter allowance | health insurance plan | learning budget | wellness stipend
    role: sales associate | data analyst | office coordinator | software engineer | account manager
    newbie: Maya | Kenji | Olivia | Sam
    complaint: My order still hasn't arrived and it's been ten days. | I was charged twice this month.
      | Nobody answers my emails. | I can't find where to change my delivery address.
      | I'd like to cancel my subscription.
    issue: their order hasn't arrived | they were billed twice | the setup guide is confusing
      | our replies are too slow
    cs_draft: Your refund has been processed. It takes 5-7 days. | We don't support that feature.
      | Please read the manual. | Your ticket has been closed.
    en_sentence: Thank you for your quick reply. | Could we move our call to Thursday afternoon?
      | I'm attaching the revised schedule for your review. | We appreciate your patience while we look into
        this.
    ja_sentence: ご検討のほどよろしくお願いいたします | 社内で確認のうえ改めてご連絡いたします
      | お忙しいところ恐縮ですが | 来週のお打ち合わせの件でご連絡いたしました
    sql_goal: counts orders per month in 2024 | finds products that have never been ordered
      | returns the average ticket resolution time per team | lists the top five regions by revenue
    py_goal: read an Excel file into pandas | merge two CSV files on a shared ID column
      | rename every file in a folder to lowercase | parse a date like 2024-03-07 from a string
      | group rows by month and sum a column
    regex_target: a postal code like 123-4567 | a date in YYYY-MM-DD format
      | an invoice number like INV-2024-0012 | a time like 09:30 or 17:45
    git_goal: undo my last commit but keep the changes | rename a branch | squash my last three commits
      | pull without creating a merge commit
    people: three colleagues | our team and a partner's team | a client and two of our engineers
    zones: Tokyo and London | New York and Singapore | Berlin, Tokyo and San Francisco
    group: the team | everyone in the department | the project group
    event: the team retrospective | a lunch-and-learn | the quarterly planning day | a product demo
    recurring: a monthly one-on-one | a weekly team check-in | a fortnightly retro
    day: Wednesday at 2pm | the first Monday of the month | Friday morning
    app: Outlook | Google Calendar
    meeting_load: about 20 hours of meetings a week | back-to-back calls every morning
      | meetings scattered across every afternoon | a standing meeting every day at 11
    count: five | ten
    brainstorm: a team-building activity for a remote team | a theme for our summer party
      | a way to raise our internal survey's response rate | newsletter topics for next quarter
      | a simple peer-recognition scheme | a low-cost client appreciation event
    naming: our new internal newsletter | a customer loyalty programme | a mentoring scheme
    ask: an extra project this quarter | a vendor's invitation to their conference
      | a last-minute request to present | a client's request for a discount | a seat on another committee
    blunt: This report is confusing and too long. | You keep missing deadlines. | This isn't what I asked for.
      | Your slides had a lot of typos.
    extra_work: another project this quarter | organising the summer party | a second client account
    person: a junior colleague | a peer on another team | my own manager | an intern
    habit: being late to meetings | long, unclear emails | not updating the tracker | interrupting
    memo: - launch pushed to late June\n- Priya owns the test environment\n- revisit the budget next Tuesday
      | - no trade show this year\n- two webinars instead\n- Marcus drafts the invite list by Friday
      | - new timesheet tool live Oct 1\n- each team runs a 20-min walkthrough\n- questions to the ops inbox
      | - survey response rate 42%\n- reminder goes out Monday\n- Jen analyses results by the 15th
      | - office move confirmed for March\n- hot desks on floor 4\n- every team lists its equipment needs
      | Q3 on track. Support can hire again, Dan posts two roles. Next sync in two weeks.
    passage: Going forward, the process for booking meeting rooms will be changing so that all bookings are
        made through the new portal rather than by emailing reception, which we hope will reduce double
        bookings.
      | The pilot ran for six weeks across two teams. Average handling time dropped by 12%, although some
        staff found the new screens confusing at first. We recommend a wider rollout with a short training.
      | Our team has been working on the onboarding checklist. It is now shorter, each step has a named owner,
        and feedback from the last three hires was positive.
      | Because of the public holiday on Monday, the weekly report will go out on Tuesday instead. Please send
        your updates by Monday noon.
    incoming: Hi, could we meet on Thursday to go over the revised timeline? Thanks, Laura
      | Hello, would you be able to join our panel on the 14th? Best, Tom
      | Hi team, are you free for a quick demo of the new dashboard this Friday?
    trip_memo: - visited Acme, demoed the new model\n- they decide next month\n- send the quote this week
      | - 45 business cards at the expo\n- saw two rival products\n- follow-up emails next week
      | - branch process review\n- stock tracking is the main issue\n- next review in 3 months
      | - factory tour, QA walkthrough\n- brought back two improvement ideas\n- debrief next week
    status_memo: done: vendor shortlist, kickoff held. next: demos. blocker: waiting on IT for test accounts
      | - training materials 80% done\n- pilot group confirmed\n- launch date still 1 Sept
    func_example: how VLOOKUP works, using a product code to look up a unit price as the example
      | SUMIFS with an example that adds up sales per branch and month
      | COUNTIFS, e.g. counting open tickets per team | how IFERROR works, with a simple example
      | XLOOKUP with an example that finds a product's category from its SKU
    snippet: df.groupby('region')['sales'].sum().sort_values(ascending=False).head(5)
      | SELECT team, COUNT(*) FROM tickets WHERE status = 'open' GROUP BY team;
      | git log --oneline --since='2 weeks ago' | =IF(COUNTIF($A$2:$A$500, A2) > 1, "dup", "")
    """
)
# a prompt with a {slot} is a template, one without is hand-written; about one row in six has a system turn
_cell = mixed_cell_maker("en", SLOTS, context_rate=CONTEXT_RATE)


CELLS: tuple[Cell, ...] = (
    _cell(
        "meeting",
        24,
        "Can you draft an agenda for {meeting}? We have {minutes} minutes.",
        "agenda for {meeting}, {minutes} min, {n} topics max pls",
        "Write the invitation email for {meeting}, addressed to {audience}.",
        "How do I stop {meeting} from running over time, every single time?",
        "What should I prepare before chairing {meeting} for the first time?",
        "Suggest a few quick icebreakers to open {meeting}.",
        "I'm running {meeting} over video. What should I watch out for as the host?",
        "How do I politely steer {meeting} back when people keep going off topic?",
        "What's the difference between a stand-up and a status meeting?",
        "Is a 15-minute daily check-in too much for a team of five?",
    ),
    _cell(
        "minutes",
        22,
        "Turn these notes into proper meeting minutes:\n{memo}",
        "Pull out the decisions and the action items (owner + due date) from this:\n{memo}",
        "can u summarise this for ppl who missed {meeting}? 3 lines max\n{memo}",
        "Give me a minutes template for {meeting}.",
        "Rewrite these notes as a follow-up email to everyone who attended {meeting}.\n{memo}",
        "What should go into the minutes of {meeting}, and what can I leave out?",
        "How do I take notes quickly when I'm also expected to contribute to the discussion?",
        "Should meeting minutes record who said what, or just the outcomes?",
    ),
    _cell(
        "email_writing",
        26,
        "Write a {tone} email to {recipient} to {purpose}.",
        "Give me five subject lines for an email to {purpose}.",
        'Can you make this sound more professional? "{draft}"',
        "short email to {recipient}, need to {purpose}. keep it friendly",
        "No reply from {recipient} in a week. Draft a polite nudge that doesn't sound pushy.",
        'Is this OK to send to {recipient}, or is it too blunt? "{draft}"',
        'Reply to this for me, saying yes but asking to push it to next week:\n"{incoming}"',
        "How should I sign off an email to {recipient}? 'Best' feels too casual.",
        "When is it better to pick up the phone instead of sending another email?",
        "whats the difference between cc and bcc, and when should I use each?",
    ),
    _cell(
        "expenses",
        18,
        "Which expense category would {item} usually fall under?",
        "What do I need besides the receipt to claim {item}?",
        "Write a reminder to the team that expense claims are due {deadline}.",
        "how do i claim {item} on an expense report? first time doing this",
        "What should I put in the '{field}' field of an expense claim?",
        "I paid for {item} in {currency}. How is the exchange rate normally handled on a claim?",
        "What are the most common reasons expense claims get sent back, and how do I avoid them?",
        "Can you explain the difference between a per diem and actual-cost reimbursement?",
    ),
    _cell(
        "business_trip",
        16,
        "Plan a {days} itinerary for a business trip to {city}.",
        "Packing checklist for a {days} trip to {city} in {season}?",
        "Write up a short trip report from these notes:\n{trip_memo}",
        "Any tips for staying productive on a {days} trip to {city}?",
        "How should I plan my days in {city} if I have {visits} customer visits?",
        "Give me a template for a business trip report.",
        "What should I write in the 'purpose of travel' box on a travel request?",
    ),
    _cell(
        "purchasing",
        16,
        "How does the purchase request process usually work for {purchase}?",
        "Help me write a short business case for {purchase}: who benefits, the cost, the alternatives.",
        "My request for {purchase} came back with the comment '{comment}'. How should I revise it?",
        "What should a comparison table of three quotes for {purchase} include?",
        "Who usually signs off on {purchase}, and roughly how long does it take?",
        "What's the difference between a purchase requisition and a purchase order?",
        "Why do companies ask for three quotes before a purchase?",
    ),
    _cell(
        "spreadsheets",
        26,
        "How do I {sheet_task} in Excel?",
        "Google Sheets: best way to {sheet_task}?",
        "Can you explain {func_example}?",
        "whats the difference between {pair}? explain like im new to excel",
        "I get {error} in my formula. What usually causes it?",
        "Walk me through building a pivot table that shows {pivot}.",
        "Write a formula that {formula_goal}.",
        "is there a way to {bulk_task} without doing it by hand? 2000 rows",
        "My spreadsheet has got really slow since I added a lot of formulas. Where do I start?",
        "Is there a keyboard shortcut to jump to the last row of data in Excel?",
    ),
    _cell(
        "documents",
        24,
        "Summarise this in {k} bullet points:\n{passage}",
        "Proofread this and fix the grammar, but keep my tone:\n{passage}",
        "Make this shorter and clearer:\n{passage}",
        "Can you rewrite this paragraph for {reader}?\n{passage}",
        "Write a one-page {doc} about {doc_topic}.",
        "Outline a {doc} about {doc_topic}. Just the headings for now.",
        "what's a good structure for a {doc}? mine always end up rambling",
        "Is it 'affect' or 'effect' in 'the change will ___ everyone'?",
        "How do I write an executive summary that people actually read?",
    ),
    _cell(
        "presentation",
        18,
        "Outline a {slides}-slide deck on {topic}.",
        "I'm giving a talk on {topic} to {listeners}. What should I emphasise?",
        "Suggest a title and subtitle for a talk on {topic}.",
        "Which chart would work best to show {chart_data}?",
        "Write one minute of speaker notes for the opening slide of a talk on {topic}.",
        "how do i make my slides less text heavy? topic is {topic}",
        "I get nervous presenting to senior people. Any practical tips for the first two minutes?",
        "How many slides is too many for a 15-minute talk?",
    ),
    _cell(
        "project_status",
        20,
        "Break {project} down into a work breakdown structure.",
        "Write a weekly status update for {project} from these notes:\n{status_memo}",
        "What are the main risks for {project}, and how could we reduce them? Put it in a table.",
        "Help me set up a simple RACI chart for {project}.",
        "Status on {project} is amber because {delay}. How do I phrase that for the steering group?",
        "I have {tasks} all due this week. How should I prioritise?",
        "What's the difference between a milestone and a deliverable?",
        "Our weekly status meeting feels pointless. How could we share updates in writing instead?",
    ),
    _cell(
        "leave_benefits",
        20,
        "How does requesting {leave} typically work?",
        "Write an email to my manager asking for {leave_when}.",
        "Draft a message to {team} letting them know I'll be on {long_leave}.",
        "Make me a handover checklist before I go on {long_leave}.",
        "What questions should I ask HR about my {benefit}?",
        "can you explain how a {benefit} usually works? never had one before",
        "How do I find out how many vacation days I have left?",
        "What does it mean when unused leave 'carries over'?",
    ),
    _cell(
        "onboarding",
        14,
        "Make a first-week checklist for a new {role} joining our team.",
        "Write a welcome message for {newbie}, who starts on Monday as our new {role}.",
        "I start next week as the new {role}. What should I ask my manager in our first 1:1?",
        "What should a 30-60-90 day plan look like for a new {role}?",
        "How can I remember everyone's names in my first week?",
        "What should go in a welcome pack for new starters?",
    ),
    _cell(
        "customer_support",
        18,
        'A customer writes: "{complaint}" Draft a reply.',
        "Write an apology email to a customer who says {issue}.",
        "How would you handle a phone call from a customer who says {issue}?",
        "We keep getting tickets saying {issue}. Write an FAQ answer for it.",
        'make this reply warmer pls: "{cs_draft}"',
        "What's a good way to close a support chat so the customer feels looked after?",
        "How do I say no to a customer's feature request without sounding dismissive?",
    ),
    _cell(
        "translation",
        14,
        'Translate into natural Japanese for a client email: "{en_sentence}"',
        "What does 「{ja_sentence}」 mean, and how should I reply in English?",
        "How would you put 「{ja_sentence}」 into business English?",
        'Can I get a polite Japanese version of "{en_sentence}"? It\'s for our Osaka partner.',
        "Is 'Dear Sir or Madam' too stiff for an email to a Japanese client I've met before?",
        "What's the natural English for 「よろしくお願いします」 at the end of an email?",
    ),
    _cell(
        "coding_data",
        22,
        "Write a SQL query that {sql_goal}.",
        "In Python, how do I {py_goal}?",
        "Give me a regex that matches {regex_target}.",
        "How do I {git_goal} in git?",
        "quick q: whats the cleanest way to {py_goal} in python",
        "Explain what this does, step by step:\n{snippet}",
        "What's the difference between a LEFT JOIN and an INNER JOIN? A small example please.",
        "git says my branch has diverged. what does that mean and what do i do?",
    ),
    _cell(
        "scheduling",
        16,
        "Find a time that works for {people} across {zones}.",
        "Write a calendar invite for {event} on {day}, with a short description.",
        "how do i set up {recurring} as a recurring meeting in {app}?",
        "Draft a message asking {group} to vote on a date for {event}.",
        "My calendar has {meeting_load}. Suggest how to block out focus time.",
        "How do I share my calendar so others see when I'm free but not the details?",
        "Is it OK to book an 8am call with someone in another time zone without asking first?",
    ),
    _cell(
        "brainstorming",
        14,
        "Give me {count} ideas for {brainstorm}.",
        "brainstorm {brainstorm}, nothing too expensive",
        "We need {brainstorm}. What have other companies tried that worked?",
        "Help me come up with a name for {naming}.",
        "What are some easy ways to make our weekly team meeting more fun?",
        "Suggest a fun but work-appropriate question for our Monday team check-in.",
    ),
    _cell(
        "feedback_declining",
        18,
        "How do I politely say no to {ask} without damaging the relationship?",
        "Write a short reply declining {ask}, but keep the door open for next time.",
        'How can I phrase this feedback more constructively? "{blunt}"',
        "I need to give {person} feedback about {habit}. Can you help me word it kindly?",
        "what's a nice way to tell my manager I'm at capacity and can't take on {extra_work}?",
        "How do I ask my manager for more regular feedback without sounding needy?",
        "A colleague asked me to review their draft and it needs a lot of work. How do I say so tactfully?",
    ),
)
