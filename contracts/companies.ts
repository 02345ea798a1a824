import { z } from 'zod';
import { Uuid } from './common';

/** `POST /admin/companies`: a company, with no members yet. */
export const CreateCompanyBody = z.strictObject({ name: z.string().trim().min(1).max(120) });
export type CreateCompanyBody = z.infer<typeof CreateCompanyBody>;

/** A company as the routes answer it. */
export const CompanyBody = z.object({ companyId: Uuid, name: z.string(), memberIds: z.array(Uuid) });
export type CompanyBody = z.infer<typeof CompanyBody>;

/** `POST /me/matches/:id/colleagues`: the recruiter of your company to add to the thread. */
export const AddColleagueBody = z.strictObject({ userId: Uuid });
export type AddColleagueBody = z.infer<typeof AddColleagueBody>;

/** Everyone in a thread, after a colleague came or went. */
export const ThreadMembersBody = z.object({
  matchId: Uuid,
  members: z.array(z.object({ userId: Uuid, role: z.enum(['party', 'colleague']) })),
});
